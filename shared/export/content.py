"""What goes into the ZIP of "download my data": exactly the person's own data and what they may
receive, found through the item types' own ``export_owned`` hooks (shared/item_types.py).

- ``data.json``: the profile and consent; per case the person took part in, their role, what
  they own of every item type (decrypted; evaluations and feedback also those *about* them,
  every version), the messages they sent and those they received in their threads (since they
  joined, as their thread view shows them), the shares they gave, and the shares they hold —
  items shared *with* them as metadata only (type, id, owner, since, until), never their content;
  and "who accessed my data" (the audit events on their data by others).
- ``files/…``: the original files of their own documents, every kept version, decrypted.
- ``README.txt``: what is where, in English and German.

Cost: a few queries per case (one partition each), one blob read per document version; the
export runs in a background job, never in a request.
"""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime
from typing import Any

from shared.audit import AuditLog
from shared.errors import NotFound
from shared.item_types import REGISTRY, hooks
from shared.items import kernel
from shared.ports import Item, Ports, Query

__all__ = ["FORMAT", "README", "collect", "write_zip"]

FORMAT = "casedesk-export/1"
_PAGE = 500
#: A slice of a file handed to the ZIP at a time (the archive stream seals 4 MiB parts).
_SLICE = 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")

README = """CaseDesk - your data / Ihre Daten
==================================

English
-------
This archive holds your own data in CaseDesk, as it was when you asked for it.

data.json   Your profile and consent ("consents": every version of the terms and the privacy
            policy you accepted, with the time); for every case you took part in: your role, the
            documents (titles and versions), notes, reflections, evaluations and feedback you
            wrote, evaluations and feedback about you (every version), the messages you sent
            and received ("messagesSent", "messagesReceived"), the shares you gave, and the
            items shared with you ("sharedWithMe": what, by whom, since when - not their
            content, which belongs to the person who shared it); and who accessed your data
            ("accessesToMyData"). People are named by their CaseDesk id.
files/      The original files of your own documents, every version kept, decrypted:
            files/<case>/<document>/v<version>-<file name>.

Times are UTC (ISO 8601). Keep this archive safe: it is not encrypted.

Deutsch
-------
Dieses Archiv enthält Ihre eigenen Daten in CaseDesk, so wie sie zum Zeitpunkt Ihrer Anfrage
waren.

data.json   Ihr Profil und Ihre Einwilligung ("consents": jede Fassung der Nutzungsbedingungen
            und der Datenschutzerklärung, der Sie zugestimmt haben, mit dem Zeitpunkt); für
            jeden Fall, an dem Sie beteiligt waren: Ihre Rolle, die Dokumente (Titel und
            Versionen), Notizen, Reflexionen, Beurteilungen und Rückmeldungen, die Sie verfasst
            haben, Beurteilungen und Rückmeldungen über Sie (alle Versionen), Ihre gesendeten
            und empfangenen Nachrichten ("messagesSent", "messagesReceived"), Ihre Freigaben und
            die mit Ihnen geteilten Elemente ("sharedWithMe": was, von wem, seit wann - ohne
            deren Inhalt, der der freigebenden Person gehört); und wer auf Ihre Daten
            zugegriffen hat ("accessesToMyData"). Personen sind mit ihrer CaseDesk-Kennung
            bezeichnet.
files/      Die Originaldateien Ihrer eigenen Dokumente, alle aufbewahrten Versionen,
            entschlüsselt: files/<Fall>/<Dokument>/v<Version>-<Dateiname>.

Zeiten sind in UTC (ISO 8601). Bewahren Sie dieses Archiv sicher auf: es ist nicht verschlüsselt.
"""

_PROFILE_FIELDS = ("userId", "email", "name", "language", "emailNotifications", "status", "createdAt")


def _every(ports: Ports, container: str, partition: str, equals: dict[str, Any]) -> list[Item]:
    items: list[Item] = []
    continuation: str | None = None
    while True:
        page = ports.store.query(
            container, partition, Query(equals=equals, limit=_PAGE, continuation=continuation)
        )
        items += page.items
        continuation = page.continuation
        if continuation is None:
            return items


def _clean(item: Item) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_") and k != "ttl"}


def _participation(ports: Ports, case_id: str, user_id: str) -> Item | None:
    try:
        return ports.store.read("cases", case_id, f"participant-{user_id}")
    except NotFound:
        return None


def _messages_received(ports: Ports, case_id: str, user_id: str) -> list[dict[str, Any]]:
    """The messages others sent in the threads the person is a member of, since they joined and —
    if they were removed from the case — before the removal: what their thread view showed them
    (shared/messages/messages.py, messages_page). A removal writes no thread (it ends access
    through the access check), so the thread still names them as a member: the bound is here.
    A membership from before their current participation (removed, then in the case again) is
    none any more (``mail.joined_in_time``): those threads are left out."""
    from shared.identity.tokens import sortable_id  # noqa: PLC0415
    from shared.messages.mail import joined_in_time  # noqa: PLC0415

    who = _participation(ports, case_id, user_id)
    removed = (who or {}).get("removedAt") if (who or {}).get("status") == "removed" else None
    until = sortable_id(datetime.fromisoformat(str(removed)))[:12] if removed else "~"
    found: list[dict[str, Any]] = []
    for thread in _every(ports, "cases", case_id, {"type": "thread"}):
        joined = thread.get("members", {}).get(user_id)
        if joined is None or not joined_in_time(joined, who):
            continue
        prefix = f"message-{thread['threadId']}-"
        continuation: str | None = None
        while True:
            query = Query(
                equals={"type": "message", "threadId": thread["threadId"]},
                range_field="id",
                gte=prefix + sortable_id(datetime.fromisoformat(joined))[:12],
                lt=prefix + until,
                limit=_PAGE,
                continuation=continuation,
            )
            page = ports.store.query("cases", case_id, query)
            for item in page.items:
                if item["senderId"] == user_id:
                    continue
                deleted = item.get("deletedAt") is not None
                found.append({
                    "threadId": item["threadId"], "id": item["messageId"], "senderId": item["senderId"],
                    "createdAt": item["createdAt"], "deleted": deleted,
                    "text": None if deleted else kernel.open_field(ports, item, "text"),
                })  # fmt: skip
            continuation = page.continuation
            if continuation is None:
                break
    return found


def _grant_view(grant: Item, *, held: bool) -> dict[str, Any]:
    view = {
        "itemType": grant.get("itemType"),
        "itemId": grant.get("itemId"),
        "since": grant.get("createdAt"),
        "expiresAt": grant.get("expiresAt"),
    }
    view["sharedBy" if held else "sharedWith"] = grant.get("ownerId") if held else grant.get("granteeId")
    return view


def _live(grant: Item, now: datetime) -> bool:
    expires = grant.get("expiresAt")
    return expires is None or datetime.fromisoformat(str(expires)) > now


def file_path(case_id: str, doc_id: str, version: int, file_name: str) -> str:
    safe = _UNSAFE.sub("_", file_name).strip(" .") or "file"
    return f"files/{case_id}/{doc_id}/v{version}-{safe[:120]}"


def collect(ports: Ports, user_id: str) -> tuple[dict[str, Any], list[tuple[str, str, int, str]]]:
    """``data.json``'s content and the files to add: (case id, blob name, version, zip path)."""
    now = ports.clock.now()
    profile = ports.store.read("users", user_id, "profile")
    refs = _every(ports, "users", user_id, {"type": "case_ref"})
    files: list[tuple[str, str, int, str]] = []
    cases: list[dict[str, Any]] = []
    for ref in sorted(refs, key=lambda r: str(r["caseId"])):
        case_id = str(ref["caseId"])
        try:
            case = ports.store.read("cases", case_id, "case")
        except NotFound:
            continue  # purged
        entry: dict[str, Any] = {
            "caseId": case_id,
            "role": ref.get("role"),
            "participation": ref.get("status"),
            "caseStatus": case.get("status"),
        }
        for kind in REGISTRY.values():
            entry[kind.segment] = hooks(kind).export_owned(ports, case_id, user_id)
        for doc in kernel.export_owned(ports, REGISTRY["doc"], case_id, user_id):
            views = {v["id"]: v for v in entry["documents"]}
            version_views = []
            for version in doc["versions"]:
                number = int(version["version"])
                name = ports.cipher.decrypt_field(
                    case_id, "cases", doc["id"], f"fileName.{number}", version["fileNameSealed"]
                )
                path = file_path(case_id, str(doc["docId"]), number, name)
                files.append((case_id, str(version["blob"]), number, path))
                version_views.append(
                    {
                        "version": number,
                        "fileName": name,
                        "contentType": version["contentType"],
                        "size": version["size"],
                        "createdAt": version["createdAt"],
                        "file": path,
                    }
                )
            if doc["docId"] in views:
                views[doc["docId"]]["versions"] = version_views
        from shared.messages import messages  # noqa: PLC0415 - heavy only for the job

        entry["messagesSent"] = messages.export_owned(ports, case_id, user_id)
        entry["messagesReceived"] = _messages_received(ports, case_id, user_id)
        grants = _every(ports, "cases", case_id, {"type": "grant", "ownerId": user_id})
        held = _every(ports, "cases", case_id, {"type": "grant", "granteeId": user_id})
        entry["sharesGiven"] = [_grant_view(g, held=False) for g in grants if _live(g, now)]
        entry["sharedWithMe"] = [_grant_view(g, held=True) for g in held if _live(g, now)]
        cases.append(entry)
    accesses = []
    log = AuditLog(ports.store, ports.clock)
    continuation: str | None = None
    while True:
        page = log.accesses_to(user_id, limit=200, continuation=continuation)
        for recorded in page.events:
            body = recorded.to_json()
            accesses.append(
                {
                    k: body.get(k)
                    for k in ("at", "actor", "action", "targetType", "targetId", "caseId", "reason")
                }
            )
        continuation = page.continuation
        if continuation is None:
            break
    data = {
        "format": FORMAT,
        "generatedAt": now.astimezone(UTC).isoformat(),
        "profile": {k: profile.get(k) for k in _PROFILE_FIELDS if k in profile},
        "consent": profile.get("consent"),
        "consents": profile.get("consentHistory") or ([profile["consent"]] if profile.get("consent") else []),
        "cases": cases,
        "accessesToMyData": accesses,
    }
    return data, files


def _add_file(archive: zipfile.ZipFile, info: zipfile.ZipInfo, content: bytes) -> None:
    """Hand ``content`` to the ZIP stream in slices (no slice outlives this call, so the
    caller's ``del`` frees the file)."""
    info.compress_type = zipfile.ZIP_STORED  # PDFs and images are compressed already
    view = memoryview(content)
    with archive.open(info, mode="w") as dest:
        for start in range(0, len(view), _SLICE):
            dest.write(view[start : start + _SLICE])
    view.release()


def write_zip(ports: Ports, user_id: str, out: Any) -> int:
    """Write the whole archive into ``out`` (a write-only stream); returns the number of files.
    One document version is in memory at a time (its ciphertext, then its plaintext)."""
    data, files = collect(ports, user_id)
    stamp = ports.clock.now().astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(out, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("README.txt", stamp), README.encode(), zipfile.ZIP_DEFLATED)
        body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
        archive.writestr(zipfile.ZipInfo("data.json", stamp), body, zipfile.ZIP_DEFLATED)
        del body, data
        for case_id, blob, _number, path in files:
            sealed = ports.blobs.get(blob)
            content = ports.cipher.decrypt_blob(case_id, blob, sealed)
            del sealed
            _add_file(archive, zipfile.ZipInfo(path, stamp), content)
            del content  # before the next version is read: one file in memory at a time
    return len(files)
