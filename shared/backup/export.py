"""The daily export of the store to the backup-protected blob container (issue 26).

Cosmos DB's periodic backup keeps 30 days; the Backup vault keeps the blobs of ``cosmos-exports``
daily, weekly, monthly and yearly. So once a day this job writes every container except
:data:`EXCLUDED` (``keys``: a backup holding the wrapped case keys would defeat crypto-shredding;
``sessions``: short-lived bearer secrets' hashes) into that container:

    <day>/<container>/part-000000.jsonl.gz   items as stored (sensitive fields stay AES-256-GCM
    <day>/<container>/part-000001.jsonl.gz   ciphertext under the case keys), one JSON object a
    …                                        line, sorted keys, in the order (partition key, id)
    <day>/state.json                         the checkpoint: where the next part starts
    <day>/manifest.json                      written last: containers, parts, counts, SHA-256

How it stays cheap, resumable and idempotent:

* It pages with :meth:`Store.scan_page` (:data:`PAGE` items a call, a keyset position, never the
  whole container in memory) and cuts a part at :data:`PART_BYTES` of JSON, so memory holds one
  part at most. Each part is compressed deterministically (gzip without a time stamp), so the
  same items give the same bytes and the same SHA-256.
* After each part the checkpoint names the next one and the store position it starts at. A run
  that dies (or stops at its time budget) leaves the checkpoint; the next run rewrites the part
  it was writing (``overwrite``) and carries on — no item is written twice, none is skipped.
* A day with a manifest is done: a further run of that day reads one blob and stops.

It is a fuzzy copy, like any online export: each item is as it was when its page was read, not
all items at one instant. The restore (:mod:`shared.backup.restore`) knows the one place where
that matters (an audit chain's head read after events appended meanwhile).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from shared.errors import NotFound
from shared.log import log_event
from shared.ports import CONTAINERS, BlobStore, Clock, Item, Store

__all__ = [
    "EXCLUDED",
    "EXPORTED",
    "FORMAT",
    "ExportReport",
    "export_day",
    "manifest_name",
    "part_name",
    "read_manifest",
    "read_part",
    "run",
]

FORMAT = 1
#: Never exported: the wrapped keys (crypto-shredding must reach every copy) and the sessions.
EXCLUDED: frozenset[str] = frozenset({"keys", "sessions"})
#: Every other container of the store, in the order they are exported.
EXPORTED: tuple[str, ...] = tuple(name for name in CONTAINERS if name not in EXCLUDED)
#: Items per store call (a bounded query of the composite index (partition key, id)).
PAGE = 200
#: Uncompressed JSON per part: what one part holds in memory at most (plus one page).
PART_BYTES = 4 * 1024 * 1024
#: A run stops starting parts after this long (the Functions timeout is 10 minutes); the next
#: run, an hour later, carries on from the checkpoint.
DEFAULT_BUDGET_SECONDS = 480.0

State = Literal["complete", "partial", "already"]


def manifest_name(day: str) -> str:
    return f"{day}/manifest.json"


def _state_name(day: str) -> str:
    return f"{day}/state.json"


def part_name(day: str, container: str, number: int) -> str:
    return f"{day}/{container}/part-{number:06d}.jsonl.gz"


def export_day(clock: Clock) -> str:
    """Today (UTC) as the export's name: one export a day."""
    return clock.now().date().isoformat()


@dataclass
class ExportReport:
    day: str
    state: State
    items: int = 0
    parts: int = 0
    containers: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "items": self.items, "parts": self.parts, "containers": self.containers}


def _stored_form(item: Item) -> Item:
    """The item as written by the app: no store properties (``_etag``); ``ttl`` is kept."""
    return {k: v for k, v in item.items() if not k.startswith("_")}


def _compress(data: bytes) -> bytes:
    """Deterministic gzip (no time stamp, no file name): same items, same bytes, same hash."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=6) as zipped:
        zipped.write(data)
    return out.getvalue()


def _load(blobs: BlobStore, name: str) -> dict[str, Any] | None:
    try:
        loaded = json.loads(blobs.get(name))
    except NotFound:
        return None
    return loaded if isinstance(loaded, dict) else None


def _put_json(blobs: BlobStore, name: str, value: dict[str, Any]) -> None:
    blobs.put(name, json.dumps(value, sort_keys=True, indent=1).encode(), overwrite=True)


def _new_state(day: str, clock: Clock) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "day": day,
        "startedAt": clock.now().isoformat(),
        "next": 0,  # index into EXPORTED
        "continuation": None,
        "containers": {name: {"items": 0, "parts": []} for name in EXPORTED},
    }


def run(
    store: Store,
    blobs: BlobStore,
    clock: Clock,
    *,
    day: str | None = None,
    budget_seconds: float = DEFAULT_BUDGET_SECONDS,
    part_bytes: int = PART_BYTES,
    page: int = PAGE,
    monotonic: Callable[[], float] = time.monotonic,
) -> ExportReport:
    """Export (or carry on exporting) ``day``'s copy of the store into ``blobs``."""
    day = day or export_day(clock)
    date.fromisoformat(day)  # a name of our own making; refuse anything else
    if _load(blobs, manifest_name(day)) is not None:
        report = ExportReport(day, "already")
        log_event("backup.export", timer="cosmos_export", **report.to_json())
        return report
    state = _load(blobs, _state_name(day))
    if state is None or state.get("format") != FORMAT:
        state = _new_state(day, clock)
    deadline = monotonic() + budget_seconds
    written = 0
    while state["next"] < len(EXPORTED):
        if monotonic() > deadline:
            _put_json(blobs, _state_name(day), state)
            report = _report(day, "partial", state)
            log_event("backup.export", logging.WARNING, timer="cosmos_export", **report.to_json())
            return report
        container = EXPORTED[state["next"]]
        done = _write_part(store, blobs, day, container, state, part_bytes=part_bytes, page=page)
        written += 1
        if done:
            state["next"] += 1
            state["continuation"] = None
        _put_json(blobs, _state_name(day), state)  # the checkpoint: the next part starts here
    manifest = {
        "format": FORMAT,
        "day": day,
        "startedAt": state["startedAt"],
        "finishedAt": clock.now().isoformat(),
        "excluded": sorted(EXCLUDED),
        "containers": state["containers"],
    }
    _put_json(blobs, manifest_name(day), manifest)
    report = _report(day, "complete", state)
    log_event("backup.exported", timer="cosmos_export", **report.to_json())
    return report


def _write_part(
    store: Store,
    blobs: BlobStore,
    day: str,
    container: str,
    state: dict[str, Any],
    *,
    part_bytes: int,
    page: int,
) -> bool:
    """One part from the checkpoint's position; True when the container is done."""
    entry = state["containers"][container]
    lines: list[bytes] = []
    size = 0
    continuation: str | None = state["continuation"]
    while True:
        found = store.scan_page(container, limit=page, continuation=continuation)
        for item in found.items:
            line = json.dumps(_stored_form(item), sort_keys=True, separators=(",", ":")).encode() + b"\n"
            lines.append(line)
            size += len(line)
        continuation = found.continuation
        if continuation is None or size >= part_bytes:
            break
    if lines or not entry["parts"]:  # an empty container still gets its (empty) part
        data = _compress(b"".join(lines))
        number = len(entry["parts"])
        name = part_name(day, container, number)
        blobs.put(name, data, overwrite=True)  # a part a crashed run began is written again
        entry["parts"].append({"name": name, "items": len(lines), "sha256": hashlib.sha256(data).hexdigest()})
        entry["items"] += len(lines)
    state["continuation"] = continuation
    return continuation is None


def _report(day: str, state_word: State, state: dict[str, Any]) -> ExportReport:
    containers = state["containers"]
    return ExportReport(
        day,
        state_word,
        items=sum(int(c["items"]) for c in containers.values()),
        parts=sum(len(c["parts"]) for c in containers.values()),
        containers=sum(1 for c in containers.values() if c["parts"]),
        counts={name: int(c["items"]) for name, c in containers.items()},
    )


def read_manifest(blobs: BlobStore, day: str) -> dict[str, Any]:
    """A finished export's manifest, or ``NotFound`` (no export, or one still under way)."""
    manifest = _load(blobs, manifest_name(day))
    if manifest is None:
        raise NotFound("no finished export of that day")
    return manifest


def read_part(blobs: BlobStore, part: dict[str, Any]) -> Iterator[Item]:
    """The items of one part, after checking its SHA-256 against the manifest."""
    from shared.errors import IntegrityError  # noqa: PLC0415 - only on the restore path

    data = blobs.get(str(part["name"]))
    if hashlib.sha256(data).hexdigest() != part["sha256"]:
        raise IntegrityError("an export part does not match its manifest")
    for line in gzip.decompress(data).splitlines():
        if line:
            yield json.loads(line)
