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
from typing import Any, Literal

from shared.access.caller import Caller
from shared.access.items import owned_or_404
from shared.cases.participants import deletable_case, open_case
from shared.documents.validation import Content, ValidatedUpload, validate_title, validate_upload
from shared.errors import CaseDeskError, ConcurrencyConflict, InvalidInput, NotFound
from shared.identity.tokens import new_id
from shared.items import REGISTRY, kernel
from shared.log import log_event
from shared.paging import MAX_LIMIT, Paged, Window, int_position
from shared.ports import Item, Ports

__all__ = [
    "CATEGORIES",
    "MAX_VERSIONS",
    "Category",
    "Download",
    "TooManyVersions",
    "delete",
    "delete_version",
    "download",
    "listing",
    "listing_page",
    "read",
    "rename",
    "replace",
    "upload",
    "versions",
    "views_of",
]  # fmt: skip

Category = Literal["job_description", "target_agreement", "medical_certificate", "other"]
CATEGORIES: tuple[Category, ...] = ("job_description", "target_agreement", "medical_certificate", "other")
#: Versions kept per document (the metadata item stays far below the store's item limit).
MAX_VERSIONS = 50
DOC = REGISTRY["doc"]


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
    data: Content,
    declared_type: str,
    file_name: str,
    title: str,
    category: str,
) -> dict[str, Any]:
    """Store a new document, private to ``caller``. Returns the owner's view of it."""
    checked_title, checked_category = validate_title(title), _category(category)
    checked = validate_upload(data, declared_type, file_name)
    item, case = kernel.new_item(
        ports, caller, DOC, case_id, sealed={"title": checked_title}, plain={"category": checked_category}
    )
    version = _store_version(ports, item, number=1, data=data, checked=checked, now=item["createdAt"])
    item.update(version=1, versions=[version])
    try:
        stored = kernel.create(ports, caller, DOC, item, case)
    except Exception:
        _drop_blob(ports, version["blob"])
        raise
    return _view(ports, stored, caller.actor)


def listing(ports: Ports, caller: Caller, case_id: str) -> list[dict[str, Any]]:
    """The documents ``caller`` may see: their own and those shared with them, newest first.
    The listing is audited once, for the case's employee."""
    views = views_of(ports, kernel.listing(ports, caller, DOC, case_id), caller.actor)
    return sorted(views, key=lambda v: (v["updatedAt"], v["id"]), reverse=True)


def listing_page(ports: Ports, caller: Caller, case_id: str, window: Window) -> Paged[dict[str, Any]]:
    """One page of the documents ``caller`` may see, by id (docs/decisions/021: the order both
    their own and the shared ones have without reading every item); audited once per page."""
    page = kernel.listing_page(ports, caller, DOC, case_id, window)
    return Paged(views_of(ports, page.items, caller.actor), page.after)


def read(ports: Ports, caller: Caller, case_id: str, doc_id: str) -> dict[str, Any]:
    """The document's metadata (owner and grantees); audited for its owner."""
    return _view(ports, kernel.read(ports, caller, DOC, case_id, doc_id), caller.actor)


def views_of(ports: Ports, items: list[Item], user_id: str) -> list[dict[str, Any]]:
    """Views of already-selected document items (lists, "see what X sees")."""
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
    item = kernel.owned(ports, caller, DOC, case_id, doc_id)
    changed = dict(item)
    if new_title is not None:
        changed["titleSealed"] = kernel.seal_field(ports, case_id, item["id"], "title", new_title)
    if new_category is not None:
        changed["category"] = new_category
    stored = kernel.change(ports, caller, DOC, changed, if_match=if_match, case=case, action="rename")
    return _view(ports, stored, caller.actor)


def replace(
    ports: Ports,
    caller: Caller,
    case_id: str,
    doc_id: str,
    *,
    if_match: str,
    data: Content,
    declared_type: str,
    file_name: str,
) -> dict[str, Any]:
    """Add a new current version (owner only). Two concurrent replaces with the same ETag: one
    wins, the other gets ``ConcurrencyConflict`` and leaves nothing behind."""
    checked = validate_upload(data, declared_type, file_name)
    case = open_case(ports, case_id, caller)
    item = kernel.owned(ports, caller, DOC, case_id, doc_id)
    if item["_etag"] != if_match:
        raise ConcurrencyConflict("the document changed since it was read")
    if len(item["versions"]) >= MAX_VERSIONS:
        raise TooManyVersions("delete older versions first", field="file", max=MAX_VERSIONS)
    number = int(item["version"]) + 1
    now = ports.clock.now().isoformat()
    version = _store_version(ports, item, number=number, data=data, checked=checked, now=now)
    changed = {**item, "version": number, "versions": [*item["versions"], version]}
    try:
        stored = kernel.change(ports, caller, DOC, changed, if_match=if_match, case=case, action="replace")
    except Exception:
        _drop_blob(ports, version["blob"])
        raise
    return _view(ports, stored, caller.actor)


def versions(
    ports: Ports, caller: Caller, case_id: str, doc_id: str, window: Window | None = None
) -> Paged[dict[str, Any]]:
    """The kept versions, newest first, one page (owner only; the owner's own data: not
    audited). They live in the document's item: one read, whatever the page; a page continues
    below the last version number it gave."""
    window = window or Window(limit=MAX_LIMIT)
    below = int_position(window)
    item = kernel.owned(ports, caller, DOC, case_id, doc_id)
    current = int(item["version"])
    kept = [v for v in reversed(item["versions"]) if below is None or int(v["version"]) < below]
    page = kept[: window.limit]
    views = [
        {
            "version": v["version"],
            "fileName": _file_name(ports, item, v),
            "contentType": v["contentType"],
            "size": v["size"],
            "createdAt": v["createdAt"],
            "current": v["version"] == current,
        }
        for v in page
    ]
    return Paged(views, int(page[-1]["version"]) if len(kept) > window.limit else None)


def download(
    ports: Ports, caller: Caller, case_id: str, doc_id: str, *, version: int | None = None
) -> Download:
    """The decrypted content of the current version (owner and grantees) or of an older
    version (owner only); audited for the owner."""
    if version is None:
        item = kernel.read(ports, caller, DOC, case_id, doc_id, action="download")
        entry = _version(item, int(item["version"]))
    else:
        item = kernel.owned(ports, caller, DOC, case_id, doc_id)
        entry = _version(item, version)
        kernel.read(ports, caller, DOC, case_id, doc_id, action="download")  # audited like any download
    sealed = ports.blobs.get(entry["blob"])
    content = ports.cipher.decrypt_blob(case_id, entry["blob"], sealed)
    return Download(content, _file_name(ports, item, entry), entry["contentType"], item["ownerId"])


def delete_version(ports: Ports, caller: Caller, case_id: str, doc_id: str, version: int) -> None:
    """Delete one older version (owner only); the current version stays (delete the document to
    remove it). Deleting a version that is already gone is ``NotFound``."""
    case = deletable_case(ports, case_id, caller)
    for attempt in range(3):
        # The decision's copy first; after a lost race, the stored one.
        item = (
            kernel.owned(ports, caller, DOC, case_id, doc_id)
            if attempt == 0
            else owned_or_404(ports.store, case_id, DOC.name, doc_id, caller.actor)
        )
        entry = _version(item, version)
        if version == int(item["version"]):
            raise InvalidInput("the current version cannot be deleted on its own", field="version")
        changed = {**item, "versions": [v for v in item["versions"] if v["version"] != version]}
        try:
            kernel.change(
                ports, caller, DOC, changed, if_match=item["_etag"], case=case, action="delete_version"
            )
        except ConcurrencyConflict:
            continue  # someone renamed or replaced meanwhile: re-read and remove from the new state
        _drop_blob(ports, entry["blob"])
        return
    raise ConcurrencyConflict("the document kept changing")


def delete(ports: Ports, caller: Caller, case_id: str, doc_id: str, *, if_match: str) -> None:
    """Delete the document with every version and every grant on it (owner only)."""
    item = kernel.delete(ports, caller, DOC, case_id, doc_id, if_match=if_match)
    for entry in item["versions"]:
        _drop_blob(ports, entry["blob"])


def purge_case(ports: Ports, case_id: str) -> int:
    """Every document of the case gone, metadata first, then the case's folder of document blobs
    in one call — every version, and the orphan of an upload that failed half-way (the retention
    purge; the case key is destroyed before, so the blobs are unreadable already)."""
    deleted = kernel.purge_case(ports, DOC, case_id)
    ports.blobs.delete_prefix(f"cases/{case_id}/docs/")
    return deleted


def export_owned(ports: Ports, case_id: str, user_id: str) -> list[dict[str, Any]]:
    """The documents ``user_id`` uploaded in the case, as metadata views ("download my data";
    the files themselves are read per version with :func:`download`)."""
    return [_view(ports, item, user_id) for item in kernel.export_owned(ports, DOC, case_id, user_id)]


def _category(value: str) -> str:
    if value not in CATEGORIES:
        raise InvalidInput("unknown document category", field="category")
    return value


def _version(item: Item, number: int) -> dict[str, Any]:
    for entry in item["versions"]:
        if entry["version"] == number:
            return dict(entry)
    raise NotFound("no such version")


def _store_version(
    ports: Ports, item: Item, *, number: int, data: Content, checked: ValidatedUpload, now: str
) -> dict[str, Any]:
    """Encrypt and store the content of version ``number`` of ``item`` (needs ``caseId``,
    ``docId``, ``id``); returns the version entry for the metadata."""
    case_id, doc_id, item_id = item["caseId"], item["docId"], item["id"]
    blob = f"cases/{case_id}/docs/{doc_id}/{new_id()}"
    with ports.cipher.sealed_blob(case_id, blob, data) as sealed:
        ports.blobs.put(blob, sealed)
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


def _view(ports: Ports, item: Item, viewer_id: str) -> dict[str, Any]:
    current = _version(item, int(item["version"]))
    return {
        **kernel.base_view(ports, DOC, item, viewer_id),
        "category": item["category"],
        "title": kernel.open_field(ports, item, "title"),
        "fileName": _file_name(ports, item, current),
        "contentType": current["contentType"],
        "size": current["size"],
        "version": current["version"],
    }
