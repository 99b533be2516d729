"""What an operator sees of people and free text under a grant (issue 22).

At the ``pseudonymised`` level (the default) every name and e-mail address becomes a pseudonym
keyed by the grant's own random key (HMAC-SHA-256): the same person has the same pseudonym on
every page of one grant — support can follow "Person 3F9A…" through the participants and the
audit events — but pseudonyms of two grants cannot be linked, and nothing can be computed back
from them. User ids are pseudonymised the same way (an id is a stable handle across grants).
Free text (plan tasks, reasons written by the organisation's staff) becomes ``[hidden]``. At
the ``identified`` level the real values pass.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

__all__ = ["HIDDEN", "Pseudonyms"]

HIDDEN = "[hidden]"


@dataclass(frozen=True)
class Pseudonyms:
    key: bytes
    identified: bool

    @classmethod
    def for_grant(cls, grant: dict[str, object]) -> Pseudonyms:
        return cls(bytes.fromhex(str(grant["pseudonymKey"])), grant.get("level") == "identified")

    def _code(self, kind: str, value: str) -> str:
        return hmac.new(self.key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:12]

    def user_id(self, user_id: str | None) -> str | None:
        """A user id, or its pseudonym ``p-<12 hex>`` (``system`` stays ``system``)."""
        if user_id is None or self.identified or user_id == "system":
            return user_id
        return f"p-{self._code('user', user_id)}"

    def opaque(self, value: str | None) -> str | None:
        """An id that embeds a person's id (a sharing grant's id names its grantee), or its
        pseudonym ``x-<12 hex>``."""
        if value is None or self.identified:
            return value
        return f"x-{self._code('id', value)}"

    def name(self, user_id: str, name: str) -> str:
        """A person's name, or ``Person <CODE>`` from their user id (the same for every name
        the person ever had)."""
        return name if self.identified else f"Person {self._code('user', user_id)[:8].upper()}"

    def email(self, user_id: str, email: str) -> str:
        """An e-mail address, or a pseudonymous one in the reserved ``.invalid`` domain."""
        return email if self.identified else f"person-{self._code('user', user_id)[:8]}@pseudonym.invalid"

    def text(self, text: str | None) -> str | None:
        """Free text, or ``[hidden]``."""
        if text is None or self.identified:
            return text
        return HIDDEN
