"""Development and test only: an operator who signs in with a CaseDesk password and TOTP instead
of Microsoft Entra ID (issue 21 §4: "operators keep CaseDesk TOTP in development and test only").

In production operators sign in only through Entra (shared/identity/operators.py); this refuses
to run there. The local second factor is also what a support activation's step-up checks in
development and test (a fresh TOTP code; the login's code is refused as reused).
"""

from __future__ import annotations

import base64
from datetime import datetime

from shared import config
from shared.errors import AlreadyExists, ConfigurationError, NotFound
from shared.identity import accounts, onboarding, operators, passwords, totp
from shared.identity.tokens import email_key
from shared.ports import Ports

__all__ = ["enable_local_sign_in"]


def enable_local_sign_in(ports: Ports, user_id: str, password: str) -> str:
    """Give operator ``user_id`` a password and a confirmed TOTP secret; returns the secret in
    base32 (what an authenticator app takes). Refused in production and for non-operators."""
    if ports.environment is config.Environment.PRODUCTION:
        raise ConfigurationError("operators sign in with Microsoft Entra ID in production")
    if not operators.is_operator(ports.store, user_id):
        raise NotFound("no such operator")
    # Password sign-in finds accounts by e-mail (the directory's hash of it); an operator linked
    # by Entra has no such entry, so it gets one here — unless the address is someone else's.
    address = str(accounts.profile(ports.store, user_id)["email"])
    key = email_key(address)
    try:
        ports.store.create("directory", {"id": key, "key": key, "userId": user_id})
    except AlreadyExists:
        if accounts.find_user_id(ports.store, address) != user_id:
            raise
    secret = totp.new_secret()
    now: datetime = ports.clock.now()
    current = accounts.credentials(ports.store, user_id)
    fields = {
        "passwordHash": passwords.hash_password(password),
        "passwordChangedAt": now.isoformat(),
        "totpSealed": onboarding.seal_totp_secret(ports, user_id, secret),
        "totpConfirmed": True,
        "totpLastStep": None,
        "recoveryCodes": [],
    }
    accounts.save_credentials(ports.store, user_id, fields, if_match=current["_etag"] if current else None)
    return base64.b32encode(secret).decode().rstrip("=")
