"""Support operators: platform staff, a kind of account of their own (issue 21, decision 032).

An operator is a CaseDesk user (``users[userId] profile`` with ``kind: "operator"``) that has no
organisation membership and no case participation — by construction, nothing in the access table
reaches anything for them; the support grants of ``shared/support`` (issue 22) are their only way
to customer data. They sign in only with Microsoft Entra ID from the platform's tenant
(``CASEDESK_ENTRA_PLATFORM_TENANT_ID``) and the app role ``CASEDESK_ENTRA_OPERATOR_ROLE``; they
have no CaseDesk password. The account is linked by the token's ``tid`` + ``oid`` (immutable ids
of the person in Entra), never by e-mail: the ``directory`` entry ``entra-<sha256(tid:oid)>``
names the user. The ops CLI creates and disables them (``python -m shared.cli create-operator``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from shared.access.caller import Caller
from shared.effects import audit_event, audit_op, commit
from shared.errors import AlreadyExists, InvalidInput, NotFound
from shared.identity.accounts import Language, normalise_email
from shared.identity.tokens import new_id, token_hash
from shared.ports import BatchOperation, Item, Ports, Store

__all__ = [
    "OPERATOR_KIND",
    "Operator",
    "OperatorExists",
    "create_operator",
    "disable_operator",
    "entra_key",
    "is_operator",
    "operator",
    "operator_by_entra",
]

OPERATOR_KIND = "operator"
#: Entra tenant and object ids are GUIDs; anything else is refused before it reaches the store.
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class OperatorExists(AlreadyExists):
    code = "operator_exists"


@dataclass(frozen=True)
class Operator:
    """A support operator: the CaseDesk user id and the Entra identity it is linked to."""

    user_id: str
    tenant_id: str
    object_id: str
    name: str
    email: str
    language: Language
    active: bool
    created_at: datetime


def guid(value: str, field: str) -> str:
    """``value`` as a lower-case GUID, or ``InvalidInput`` naming ``field``."""
    clean = str(value).strip().lower()
    if not _GUID.fullmatch(clean):
        raise InvalidInput("not a GUID", field=field)
    return clean


def entra_key(tenant_id: str, object_id: str) -> str:
    """The ``directory`` key of an Entra identity: who is ``oid`` of tenant ``tid`` here."""
    return "entra-" + token_hash(f"{guid(tenant_id, 'tenantId')}:{guid(object_id, 'objectId')}")


def create_operator(
    ports: Ports,
    caller: Caller,
    *,
    tenant_id: str,
    object_id: str,
    name: str,
    email: str,
    language: Language = "en",
) -> Operator:
    """A new operator linked to Entra ``tenant_id`` / ``object_id`` (audited ``operator:create``).
    ``email`` is shown on the profile only; it links nothing and signs in nothing."""
    tid, oid = guid(tenant_id, "tenantId"), guid(object_id, "objectId")
    clean_name = " ".join(name.split())
    if not 2 <= len(clean_name) <= 120:
        raise InvalidInput("a name has 2 to 120 characters", field="name")
    address = normalise_email(email)
    key, user_id, now = entra_key(tid, oid), new_id(), ports.clock.now()
    try:
        # The directory entry is the uniqueness guard: one CaseDesk account per Entra identity.
        ports.store.create(
            "directory",
            {
                "id": key,
                "key": key,
                "userId": user_id,
                "kind": OPERATOR_KIND,
                "tenantId": tid,
                "objectId": oid,
            },
        )
    except AlreadyExists:
        raise OperatorExists("this Entra identity already has an account") from None
    profile = {
        "id": "profile",
        "userId": user_id,
        "kind": OPERATOR_KIND,
        "entra": {"tenantId": tid, "objectId": oid},
        "email": address,
        "name": clean_name,
        "language": language,
        "emailNotifications": False,
        "status": "active",
        "consent": None,
        "welcomeSeen": True,
        "createdAt": now.isoformat(),
    }
    event = audit_event(caller, "operator:create", target_type="user", target_id=user_id, owner_id=user_id)
    commit(
        ports.store,
        "users",
        user_id,
        [BatchOperation("create", item=profile)],
        [audit_op("users", user_id, event, now)],
    )
    return _from_profile(profile)


def operator(store: Store, user_id: str) -> Operator | None:
    """The operator ``user_id`` (active or disabled), or ``None`` if that user is no operator."""
    try:
        found = store.read("users", user_id, "profile")
    except NotFound:
        return None
    return _from_profile(found) if found.get("kind") == OPERATOR_KIND else None


def operator_by_entra(store: Store, tenant_id: str, object_id: str) -> Operator | None:
    """The operator linked to this Entra identity, or ``None`` (two point reads at most)."""
    try:
        key = entra_key(tenant_id, object_id)
        entry = store.read("directory", key, key)
    except (NotFound, InvalidInput):
        return None
    if entry.get("kind") != OPERATOR_KIND:
        return None
    return operator(store, str(entry["userId"]))


def is_operator(store: Store, user_id: str, *, profile: Item | None = None) -> bool:
    """True for an *active* operator account (pass the profile if it was read already)."""
    if profile is None:
        try:
            profile = store.read("users", user_id, "profile")
        except NotFound:
            return False
    return profile.get("kind") == OPERATOR_KIND and profile.get("status") == "active"


def disable_operator(ports: Ports, caller: Caller, user_id: str) -> Operator:
    """Disable an operator (audited ``operator:disable``): sign-in is refused from now on and
    every live session ends. The account and its audit trail stay."""
    from shared.identity.sessions import SessionService  # noqa: PLC0415 - keeps this module light

    current = ports.store.read("users", user_id, "profile")
    if current.get("kind") != OPERATOR_KIND:
        raise NotFound("no such operator")
    changed = {k: v for k, v in current.items() if not k.startswith("_")}
    changed["status"] = "disabled"
    now = ports.clock.now()
    event = audit_event(caller, "operator:disable", target_type="user", target_id=user_id, owner_id=user_id)
    commit(
        ports.store,
        "users",
        user_id,
        [BatchOperation("replace", item=changed, if_match=current["_etag"])],
        [audit_op("users", user_id, event, now)],
    )
    SessionService(ports.store, ports.clock).end_all_except(user_id, None)
    return _from_profile(changed)


def _from_profile(item: Item) -> Operator:
    entra = item.get("entra") or {}
    return Operator(
        user_id=str(item["userId"]),
        tenant_id=str(entra.get("tenantId", "")),
        object_id=str(entra.get("objectId", "")),
        name=str(item["name"]),
        email=str(item["email"]),
        language="de" if item.get("language") == "de" else "en",
        active=item.get("status") == "active",
        created_at=datetime.fromisoformat(str(item["createdAt"])),
    )
