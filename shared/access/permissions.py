"""Every HTTP route names exactly one :class:`Action`, or is on :data:`PUBLIC_ROUTES`.

Actions are ``resource:action`` strings (warehouse's habit) so tests can compare whole tables.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PUBLIC", "PUBLIC_ROUTES", "Action", "Public"]


class Action(StrEnum):
    """Every action a route can perform, as ``resource:action``. Who may do it is
    ``shared.access.table.TABLE``; ``docs/access.md`` renders both for humans."""

    SESSION_USE = "session:use"  # sign out, read one's own session (even before re-consent)
    CONSENT_WRITE = "consent:write"  # accept new terms (the one thing allowed without consent)
    PROFILE_MANAGE = "profile:manage"  # own profile, language, sessions, password, invitations
    STAFF_MANAGE = "staff:manage"  # invite staff, change roles and flags
    STAFF_READ = "staff:read"  # list staff and pending invitations
    CASE_CREATE = "case:create"  # open a case in the organisation and invite the employee
    CASES_LIST_MINE = "cases:list_mine"  # the cases one takes part in, across organisations
    ORGS_LIST_MINE = "orgs:list_mine"  # the organisations one is staff of, with one's roles
    ORG_CASES_LIST = "org:cases_list"  # the organisation's cases, summary only (org admins, break-glass)
    CASE_READ = "case:read"  # the summary: status, participants (no content)
    PARTICIPANT_MANAGE = "participant:manage"  # invite and remove participants
    CASE_CLOSE = "case:close"  # close and reopen
    CASE_LEGAL_HOLD = "case:legal_hold"  # set or lift the legal hold (stops the retention clock)
    PLAN_READ = "plan:read"
    PLAN_WRITE = "plan:write"
    AUDIT_READ = "audit:read"  # the organisation's audit log (ids and actions, never content)
    AUDIT_READ_OWN = "audit:read_own"  # "who accessed my data"
    BREAK_GLASS_OPEN = "break_glass:open"  # open a case one is not assigned to, with a reason (8 h)
    TEMP_ACCESS_READ = "temp_access:read"  # the temporary-access overview and its CSV export (org admins)
    TEMP_ACCESS_MANAGE = "temp_access:manage"  # mark an access reviewed, end a break-glass access
    ACCESS_REVIEW_READ = "access_review:read"  # who can access a case: people, grants, shares, last access
    ACCESS_REVIEW_MANAGE = "access_review:manage"  # end a participation or an invitation (org admins)
    # Support access with the organisation's consent (journey 16, issue 22, decision 038).
    SUPPORT_REQUEST = "support:request"  # an operator asks an organisation for access (scope, reason, ticket)
    SUPPORT_OWN = "support:own"  # an operator's own grants: list them, activate one (fresh second factor)
    SUPPORT_VIEW = "support:view"  # read-only, scoped, pseudonymised views under one's live grant
    SUPPORT_REQUESTS_READ = "support:requests_read"  # the org's support requests and grants (admins)
    SUPPORT_DECIDE = "support:decide"  # approve (optionally narrowed), deny, revoke (org admins)
    DOCUMENT_CREATE = "document:create"  # upload into a case (private to the uploader)
    DOCUMENT_LIST = "document:list"  # one's own documents and those shared with one
    DOCUMENT_READ = "document:read"  # details and download of the current version
    DOCUMENT_WRITE = "document:write"  # rename, replace, older versions (list, download, delete)
    DOCUMENT_DELETE = "document:delete"  # delete with every version
    NOTE_CREATE = "note:create"
    NOTE_LIST = "note:list"
    NOTE_READ = "note:read"
    NOTE_WRITE = "note:write"
    NOTE_DELETE = "note:delete"
    REFLECTION_LIST = "reflection:list"  # the entries one may see: all one's own, else a live share's window
    REFLECTION_READ = "reflection:read"  # one of one's own entries (anyone else: 404, as a private item)
    REFLECTION_WRITE = "reflection:write"  # record or change one's own entry (today and 14 days back)
    REFLECTION_DELETE = "reflection:delete"  # delete one's own entry (same window)
    REFLECTION_SERIES_FIND = "reflection_series:find"  # the case's series: its id and owner, nothing more
    REFLECTION_SERIES_READ = "reflection_series:read"  # the series item itself (owner or grantee)
    DASHBOARD_READ = "dashboard:read"  # the scales over time, only from what one may see, and the plan
    EVALUATION_CREATE = "evaluation:create"  # a doctor of the case records an evaluation
    EVALUATION_LIST = "evaluation:list"  # those one may see: own, about oneself (employee), shared
    EVALUATION_READ = "evaluation:read"  # one, with its history of versions (author, employee, grantee)
    EVALUATION_AMEND = "evaluation:amend"  # a new version of one's own evaluation (If-Match)
    FEEDBACK_CREATE = "feedback:create"  # an employer contact of the case gives feedback on the work trial
    FEEDBACK_LIST = "feedback:list"  # those one may see: own, about oneself (employee), shared
    FEEDBACK_READ = "feedback:read"  # one, with its history of versions (author, employee, grantee)
    FEEDBACK_AMEND = "feedback:amend"  # a new version of one's own feedback (If-Match)
    MESSAGE_THREADS = "message:threads"  # one's own threads of a case, with unread counts
    MESSAGE_START = "message:start"  # start a thread with other active participants
    MESSAGE_READ = "message:read"  # a thread one is a member of, and its messages (marks it read)
    MESSAGE_SEND = "message:send"  # write into a thread one is a member of
    MESSAGE_DELETE = "message:delete"  # delete one's own message within 15 minutes
    MESSAGE_MEMBERS = "message:members"  # add a member to, or leave, a thread one is a member of
    ITEM_SHARE = "item:share"  # grant, revoke, "who has access" on one's own item
    ITEM_PREVIEW = "item:preview"  # "see what X sees": one's own items as another participant gets them
    NOTIFICATIONS_OWN = "notifications:own"  # list and mark read one's own notifications
    REPORT_CREATE = "report:create"  # a PDF of what one may see of the case (employee, case manager, doctor)
    ENTRA_LINK = "entra:link"  # link, read and unlink one's own Microsoft account (staff of a linked org)
    ENTRA_STEP_UP = "entra:step_up"  # a fresh Microsoft sign-in for this session (support grant activation)
    # link the organisation to its Entra tenant, read, unlink (org admins)
    ORG_ENTRA_MANAGE = "org:entra_manage"


class Public(StrEnum):
    """Marker for routes that need no session; only names in :data:`PUBLIC_ROUTES` may use it."""

    PUBLIC = "public"


PUBLIC = Public.PUBLIC

#: Function names that are reachable without a session, each with the reason.
PUBLIC_ROUTES: dict[str, str] = {
    "health": "liveness probe; no I/O, no data",
    "health_ready": "readiness probe; a cached status per port (never the KEK), no data",
    "health_live": "liveness probe and the load benchmark's baseline; no I/O, no data",
    "web": "serves the static frontend; holds no data",
    "openapi": "the API's OpenAPI document: routes and shapes, never data",
    "dev_outbox": "development only (not registered in production): the local e-mail outbox",
    "dev_totp": "development only (not registered in production): current TOTP codes of demo accounts",
    "legal_document": "the current terms and privacy policy must be readable before consenting",
    "onboarding_inspect": "authenticated by the invitation token in the body",
    "onboarding_consent": "authenticated by the invitation token in the body",
    "onboarding_password": "authenticated by the invitation token in the body",
    "onboarding_totp": "authenticated by the invitation token in the body",
    "login": "the first login step; throttled per account and client",
    "login_second_factor": "authenticated by the login challenge; throttled",
    "password_reset_request": "answers the same for every address; sends a link only to an account",
    "password_reset_complete": "authenticated by the reset token and the second factor; throttled",
    "entra_config": 'whether "Sign in with Microsoft" is offered; no data',
    "entra_start": "starts a Microsoft sign-in: a flow bound to a fresh pre-login cookie; no data",
    "entra_callback": (
        "authenticated by the single-use flow of the pre-login cookie, its state and the ID token"
    ),
    "report_verify": "checks a paper report's id and code; throttled; answers only day and role",
    "session_status": "signed out: only {signedIn: false}; signed in: what GET api/auth/session answers",
}
