"""The problems of support access (issue 22), each with its stable code (docs/problems/)."""

from __future__ import annotations

from shared.errors import Conflict, InvalidInput, PermissionDenied

__all__ = [
    "SupportDurationInvalid",
    "SupportGrantDecided",
    "SupportGrantNotApproved",
    "SupportReasonRequired",
    "SupportRequestsOpen",
    "SupportScopeInvalid",
    "SupportSelfDecision",
    "SupportStepUpRequired",
    "SupportTicketInvalid",
    "SupportWidening",
]


class SupportReasonRequired(InvalidInput):
    """A request without a reason (or one that is not a single line of at most 500 characters)."""

    code = "support_reason_required"


class SupportTicketInvalid(InvalidInput):
    """The ticket reference is missing or not a short single-line reference."""

    code = "support_ticket_invalid"


class SupportDurationInvalid(InvalidInput):
    """A duration that is not a whole number of hours from 1 to 72."""

    code = "support_duration_invalid"


class SupportScopeInvalid(InvalidInput):
    """Scope ``case`` without a case id, ``org`` with one, or an unknown scope or level."""

    code = "support_scope_invalid"


class SupportRequestsOpen(Conflict):
    """An operator has ``grants.MAX_OPEN_REQUESTS`` undecided requests to this organisation
    already: its admins are not flooded with notifications."""

    code = "support_requests_open"


class SupportWidening(InvalidInput):
    """An approval may narrow a request (scope, level, duration), never widen it."""

    code = "support_widening"


class SupportSelfDecision(PermissionDenied):
    """Nobody decides on (approves or denies) their own support request."""

    code = "support_self_decision"


class SupportGrantDecided(Conflict):
    """The request was decided already (or revoked): it cannot be decided again."""

    code = "support_grant_decided"


class SupportGrantNotApproved(Conflict):
    """Only an approved grant whose window has not passed can be activated."""

    code = "support_grant_not_approved"


class SupportStepUpRequired(InvalidInput):
    """Activation needs a fresh second factor: a new authenticator code (or a fresh Microsoft
    sign-in for operators without CaseDesk TOTP)."""

    code = "support_step_up_required"
