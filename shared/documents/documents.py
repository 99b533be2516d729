"""Documents in a case (SPEC journey 6): private to the uploader until shared, encrypted at rest,
with versions the owner can list, download and delete.

Layout: the metadata is one item ``cases`` [caseId] ``doc-<docId>`` (``type`` "doc",
``ownerId``, category, the *sealed* title and, per version, the *sealed* file name, media type,
size and blob name). Each version's content is one blob
``cases/<caseId>/docs/<docId>/<random id>`` holding AES-256-GCM ciphertext under the case key,
its AAD binding the case and the blob name, so a blob copied under another name fails to open.

Why it is built this way:

- **Validated before anything is written.** :func:`upload` and :func:`replace` run
  ``validate_upload`` first; a rejected file leaves no blob and no metadata.
- **Content first, metadata second.** A new version's blob is written before the item that
  points to it; if the item write fails (a concurrent replace: ETag 412), the blob is removed
  again. A crash between the two leaves only unreachable ciphertext under the case's prefix,
  which the case purge removes with everything else.
- **Metadata first on delete.** The item (and its grants) go before the blobs, so nobody can
  reach a half-deleted document; blob deletion is idempotent and safe to retry.
- **One access rule.** Every function takes the acting user and checks visibility itself
  (``shared.access.items``), on top of the route's access check: the service is safe to call
  from anywhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from shared.access.caller import Caller
from shared.access.items import owned_by, owned_or_404, owner_role, viewable_by
from shared.access.relations import participant
from shared.bootstrap import Ports
from shared.cases.participants import deletable_case, open_case
from shared.documents.validation import ValidatedUpload, validate_title, validate_upload
from shared.effects import case_audit_op, commit, commit_item, record_case_listing, record_item_read
from shared.errors import CaseDeskError, ConcurrencyConflict, InvalidInput, NotFound
from shared.identity.tokens import new_id
from shared.log import log_event
from shared.ports import BatchOperation, Item
from shared.sharing import end_grants_for_item, visible_items

__all__ = ["CATEGORIES", "MAX_VERSIONS", "Category", "Download", "TooManyVersions", "delete",
           "delete_version", "download", "listing", "read", "rename", "replace", "upload", "versions",
           "views_of"]  # fmt: skip

Category = Literal["job_description", "target_agreement", "medical_certificate", "other"]
CATEGORIES: tuple[Category, ...] = ("job_description", "target_agreement", "medical_certificate", "other")
#: Versions kept per document (the metadata item stays far below the store's item limit).
MAX_VERSIONS = 50
_TYPE = "doc"


class TooManyVersions(InvalidInput):
    code = "too_many_versions"


@dataclass(frozen=True)
class Download:
    content: bytes
    file_name: str
    media_type: str
    owner_id: str


def upload(
    ports: Ports,
    caller: Caller,
    case_id: str,
    *,
    data: bytes,
    declared_type: str,
    file_name: str,
    title: str,
    category: str,
) -> dict[str, Any]:
    """Store a new document, private to ``caller``. Returns the owner's view of it."""
    checked_title, checked_category = validate_title(title), _category(category)
    checked = validate_upload(data, declared_type, file_name)
    case = open_case(ports, case_id, caller)
    role = caller.case_role(case_id) or (participant(ports.store, case_id, caller.actor) or {}).get("role")
    if role is None:
        raise NotFound("no such case")
    doc_id = new_id()
    item_id = f"{_TYPE}-{doc_id}"
    moment = ports.clock.now()
    now = moment.isoformat()
    item: Item = {
        "id": item_id,
        "caseId": case_id,
        "type": _TYPE,
        "docId": doc_id,
        "ownerId": caller.actor,
        # A participant's role never changes, so the list need not read it per document.
        "ownerRole": role,
        "category": checked_category,
        "titleSealed": ports.cipher.encrypt_field(case_id, "cases", item_id, "title", checked_title),
        "createdAt": now,
        "updatedAt": now,
    }
    version = _store_version(ports, item, number=1, data=data, checked=checked, now=now)
    item.update(version=1, versions=[version])
    audit = _audit(
        caller,
        "document:create",
        doc_id,
        case_id=case_id,
        owner_id=caller.actor,
        now=moment,
        org_id=case["orgId"],
    )
    try:
        stored = commit_item(ports.store, "cases", case_id, BatchOperation("create", item=item), [audit])
    except Exception:
        _drop_blob(ports, version["blob"])
        raise
    return _view(ports, stored, caller.actor)


def listing(ports: Ports, caller: Caller, case_id: str) -> list[dict[str, Any]]:
    """The documents ``caller`` may see: their own and those shared with them, newest first.
    The listing is audited once, for the case's employee."""
    items = visible_items(ports, case_id, caller.actor, _TYPE)
    views = sorted((_view(ports, i, caller.actor) for i in items), key=lambda v: (v["updatedAt"], v["id"]))
    record_case_listing(ports.store, caller, "document:list", case_id=case_id, now=ports.clock.now())
    return views[::-1]


def read(ports: Ports, caller: Caller, case_id: str, doc_id: str) -> dict[str, Any]:
    """The document's metadata (owner and grantees); audited for its owner."""
    item = _visible(ports, caller, case_id, doc_id)
    view = _view(ports, item, caller.actor)
    record_item_read(
        ports.store,
        caller,
        "document:read",
        case_id=case_id,
        target_type="document",
        item_id=doc_id,
        owner_id=item["ownerId"],
        now=ports.clock.now(),
    )
    return view


def views_of(ports: Ports, items: list[Item], user_id: str) -> list[dict[str, Any]]:
    """Views of already-selected document items (for "see what X sees")."""
    return [_view(ports, item, user_id) for item in items]


def rename(
    ports: Ports,
    caller: Caller,
    case_id: str,
    doc_id: str,
    *,
    if_match: str,
    title: str | None,
    category: str | None,
) -> dict[str, Any]:
    """Change the title and/or category (owner only, the ETag the owner saw)."""
    if title is None and category is None:
        raise InvalidInput("give a new title or category", field="title")
    new_title = validate_title(title) if title is not None else None
    new_category = _category(category) if category is not None else None
    case = open_case(ports, case_id, caller)
    item = _owned(ports, caller, case_id, doc_id)
    moment = ports.clock.now()
    changed = {**item, "updatedAt": moment.isoformat()}
    if new_title is not None:
        changed["titleSealed"] = ports.cipher.encrypt_field(case_id, "cases", item["id"], "title", new_title)
    if new_category is not None:
        changed["category"] = new_category
    audit = _audit(
        caller,
        "document:rename",
        doc_id,
        case_id=case_id,
        owner_id=caller.actor,
        now=moment,
        org_id=case["orgId"],
    )
    step = BatchOperation("replace", item=changed, if_match=if_match)
    return _view(ports, commit_item(ports.store, "cases", case_id, step, [audit]), caller.actor)


def replace(
    ports: Ports,
    caller: Caller,
    case_id: str,
    doc_id: str,
    *,
    if_match: str,
    data: bytes,
    declared_type: str,
    file_name: str,
) -> dict[str, Any]:
    """Add a new current version (owner only). Two concurrent replaces with the same ETag: one
    wins, the other gets ``ConcurrencyConflict`` and leaves nothing behind."""
    checked = validate_upload(data, declared_type, file_name)
    case = open_case(ports, case_id, caller)
    item = _owned(ports, caller, case_id, doc_id)
    if item["_etag"] != if_match:
        raise ConcurrencyConflict("the document changed since it was read")
    if len(item["versions"]) >= MAX_VERSIONS:
        raise TooManyVersions("delete older versions first", field="file", max=MAX_VERSIONS)
    number = int(item["version"]) + 1
    moment = ports.clock.now()
    now = moment.isoformat()
    version = _store_version(ports, item, number=number, data=data, checked=checked, now=now)
    changed = {**item, "version": number, "versions": [*item["versions"], version], "updatedAt": now}
    audit = _audit(
        caller,
        "document:replace",
        doc_id,
        case_id=case_id,
        owner_id=caller.actor,
        now=moment,
        org_id=case["orgId"],
    )
    try:
        step = BatchOperation("replace", item=changed, if_match=if_match)
        stored = commit_item(ports.store, "cases", case_id, step, [audit])
    except Exception:
        _drop_blob(ports, version["blob"])
        raise
    return _view(ports, stored, caller.actor)


def versions(ports: Ports, caller: Caller, case_id: str, doc_id: str) -> list[dict[str, Any]]:
    """Every kept version, newest first (owner only; the owner's own data: not audited)."""
    item = _owned(ports, caller, case_id, doc_id)
    current = int(item["version"])
    return [
        {
            "version": v["version"],
            "fileName": _file_name(ports, item, v),
            "contentType": v["contentType"],
            "size": v["size"],
            "createdAt": v["createdAt"],
            "current": v["version"] == current,
        }
        for v in reversed(item["versions"])
    ]


def download(
    ports: Ports, caller: Caller, case_id: str, doc_id: str, *, version: int | None = None
) -> Download:
    """The decrypted content of the current version (owner and grantees) or of an older
    version (owner only); audited for the owner."""
    if version is None:
        item = _visible(ports, caller, case_id, doc_id)
        wanted = int(item["version"])
    else:
        item = _owned(ports, caller, case_id, doc_id)
        wanted = version
    entry = _version(item, wanted)
    sealed = ports.blobs.get(entry["blob"])
    content = ports.cipher.decrypt_blob(case_id, entry["blob"], sealed)
    found = Download(content, _file_name(ports, item, entry), entry["contentType"], item["ownerId"])
    record_item_read(
        ports.store,
        caller,
        "document:download",
        case_id=case_id,
        target_type="document",
        item_id=doc_id,
        owner_id=item["ownerId"],
        now=ports.clock.now(),
    )
    return found


def delete_version(ports: Ports, caller: Caller, case_id: str, doc_id: str, version: int) -> None:
    """Delete one older version (owner only); the current version stays (delete the document to
    remove it). Deleting a version that is already gone is ``NotFound``."""
    case = deletable_case(ports, case_id, caller)
    for attempt in range(3):
        item = (
            _owned(ports, caller, case_id, doc_id)
            if attempt == 0
            else _owned_fresh(ports, caller, case_id, doc_id)
        )
        entry = _version(item, version)
        if version == int(item["version"]):
            raise InvalidInput("the current version cannot be deleted on its own", field="version")
        kept = [v for v in item["versions"] if v["version"] != version]
        moment = ports.clock.now()
        changed = {**item, "versions": kept, "updatedAt": moment.isoformat()}
        audit = _audit(
            caller,
            "document:delete_version",
            doc_id,
            case_id=case_id,
            owner_id=caller.actor,
            now=moment,
            org_id=case["orgId"],
        )
        try:
            commit(
                ports.store,
                "cases",
                case_id,
                [BatchOperation("replace", item=changed, if_match=item["_etag"])],
                [audit],
            )
        except ConcurrencyConflict:
            continue  # someone renamed or replaced meanwhile: re-read and remove from the new state
        _drop_blob(ports, entry["blob"])
        return
    raise ConcurrencyConflict("the document kept changing")


def delete(ports: Ports, caller: Caller, case_id: str, doc_id: str, *, if_match: str) -> None:
    """Delete the document with every version and every grant on it (owner only)."""
    case = deletable_case(ports, case_id, caller)
    item = _owned(ports, caller, case_id, doc_id)
    audit = _audit(
        caller,
        "document:delete",
        doc_id,
        case_id=case_id,
        owner_id=caller.actor,
        now=ports.clock.now(),
        org_id=case["orgId"],
    )
    commit(
        ports.store, "cases", case_id, [BatchOperation("delete", id=item["id"], if_match=if_match)], [audit]
    )
    end_grants_for_item(ports, case_id, _TYPE, doc_id)
    for entry in item["versions"]:
        _drop_blob(ports, entry["blob"])


def _category(value: str) -> str:
    if value not in CATEGORIES:
        raise InvalidInput("unknown document category", field="category")
    return value


def _visible(ports: Ports, caller: Caller, case_id: str, doc_id: str) -> Item:
    return viewable_by(ports.store, caller, case_id, _TYPE, doc_id, now=ports.clock.now())


def _owned(ports: Ports, caller: Caller, case_id: str, doc_id: str) -> Item:
    return owned_by(ports.store, caller, case_id, _TYPE, doc_id)


def _owned_fresh(ports: Ports, caller: Caller, case_id: str, doc_id: str) -> Item:
    """Re-read after a lost race (the decision's copy is the one that lost)."""
    return owned_or_404(ports.store, case_id, _TYPE, doc_id, caller.actor)


def _version(item: Item, number: int) -> dict[str, Any]:
    for entry in item["versions"]:
        if entry["version"] == number:
            return dict(entry)
    raise NotFound("no such version")


def _store_version(
    ports: Ports, item: Item, *, number: int, data: bytes, checked: ValidatedUpload, now: str
) -> dict[str, Any]:
    """Encrypt and store the content of version ``number`` of ``item`` (needs ``caseId``,
    ``docId``, ``id``); returns the version entry for the metadata."""
    case_id, doc_id, item_id = item["caseId"], item["docId"], item["id"]
    blob = f"cases/{case_id}/docs/{doc_id}/{new_id()}"
    ports.blobs.put(blob, ports.cipher.encrypt_blob(case_id, blob, data))
    field = f"fileName.{number}"
    return {
        "version": number,
        "blob": blob,
        "fileNameSealed": ports.cipher.encrypt_field(case_id, "cases", item_id, field, checked.file_name),
        "contentType": checked.media_type,
        "size": checked.size,
        "createdAt": now,
    }


def _file_name(ports: Ports, item: Item, entry: dict[str, Any]) -> str:
    field = f"fileName.{entry['version']}"
    return ports.cipher.decrypt_field(item["caseId"], "cases", item["id"], field, entry["fileNameSealed"])


def _drop_blob(ports: Ports, blob: str) -> None:
    try:
        ports.blobs.delete(blob)
    except CaseDeskError as exc:  # best effort: ciphertext nobody can reach, purged with the case
        log_event("document_blob_left", logging.WARNING, exception=type(exc).__name__)


def _audit(
    caller: Caller,
    action: str,
    doc_id: str,
    *,
    case_id: str,
    owner_id: str,
    now: datetime,
    org_id: str | None = None,
) -> BatchOperation:
    return case_audit_op(
        caller,
        action,
        case_id=case_id,
        target_type="document",
        target_id=doc_id,
        owner_id=owner_id,
        org_id=org_id,
        now=now,
    )


def _view(ports: Ports, item: Item, viewer_id: str) -> dict[str, Any]:
    current = _version(item, int(item["version"]))
    case_id = item["caseId"]
    return {
        "id": item["docId"],
        "caseId": case_id,
        "category": item["category"],
        "title": ports.cipher.decrypt_field(case_id, "cases", item["id"], "title", item["titleSealed"]),
        "fileName": _file_name(ports, item, current),
        "contentType": current["contentType"],
        "size": current["size"],
        "version": current["version"],
        "ownerId": item["ownerId"],
        "ownerRole": owner_role(ports.store, item),
        "mine": item["ownerId"] == viewer_id,
        "createdAt": item["createdAt"],
        "updatedAt": item["updatedAt"],
        "etag": item["_etag"],
    }
