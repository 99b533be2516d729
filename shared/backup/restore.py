"""An export (:mod:`shared.backup.export`) back into an empty store, with the live ``keys``.

The restore drill of issue 26 and the last resort after losing the database beyond Cosmos DB's
30 days. The target store must be empty but for ``keys`` (the live container, or a Cosmos
point-in-time restore of it within its 30 days) and ``sessions`` (nobody is signed in after a
restore). Step by step (``docs/operations.md`` §3):

1. the manifest is read and every part is checked against its SHA-256 before it is written;
2. each container's items are written as stored, in batches of one partition (upserts: a restore
   that dies halfway is simply run again with ``resume=True``, and writes the same items);
3. an audit chain whose head was read after events appended meanwhile (the export is not one
   instant) gets the head of its last exported event: the chain as of the export;
4. **purges are replayed**: every restored case whose data key is not in the live ``keys`` was
   purged (crypto-shredded) after the export. Its items came back as ciphertext nobody can open;
   the purge runs again (:func:`shared.retention.purge.purge_case`), so it leaves the tombstone —
   410 to everyone — and its ``case:purge`` event, exactly as after the original purge;
5. pending e-mails of the export are not restored (they were sent, or are stale: nobody should
   get one twice); pending audit events are, the relay chains them.

Items with a ``ttl`` count it again from the restore. The audit chains are then checked with
``verify-audit --all`` against the anchors published before the export (``--anchors NAME``).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from shared.audit.events import EVENT_TYPE, HEAD_ID
from shared.backup.export import EXCLUDED, FORMAT, read_manifest, read_part
from shared.effects.pending import EFFECT_TYPE
from shared.errors import Conflict, IntegrityError, NotFound
from shared.ports import MAX_BATCH_BYTES, MAX_BATCH_OPERATIONS, BatchOperation, BlobStore, Item, Ports, Query

__all__ = ["RestoreReport", "restore"]

_KEY_CONTAINER = "keys"
_KEY_ITEM_ID = "data-key"  # shared/crypto/case_keys.py
#: A batch's JSON budget, under Cosmos DB's 2 MiB with room for the request's own framing.
_BATCH_BYTES = MAX_BATCH_BYTES * 3 // 4


@dataclass
class RestoreReport:
    day: str
    counts: dict[str, int] = field(default_factory=dict)
    skipped_emails: int = 0
    heads_rewound: int = 0
    replayed_purges: list[str] = field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(self.counts.values())


def restore(ports: Ports, exports: BlobStore, day: str, *, resume: bool = False) -> RestoreReport:
    """Restore the export of ``day`` from ``exports`` into ``ports.store`` (see the module
    docstring). ``resume`` continues a restore that died (the target is then not empty)."""
    manifest = read_manifest(exports, day)
    if manifest.get("format") != FORMAT:
        raise IntegrityError("the export has a format this version cannot read")
    containers: dict[str, Any] = manifest["containers"]
    if set(containers) & EXCLUDED:
        raise IntegrityError("the export holds a container that is never exported")
    store = ports.store
    if not resume:
        for name in containers:
            if store.scan_page(name, limit=1).items:
                # A restore goes into an empty store only (the CLI's error; never an HTTP answer).
                raise Conflict(f"the target store's {name} container is not empty")
    report = RestoreReport(day)
    for name, entry in containers.items():
        written = 0
        carry: dict[str, Item] = {}  # the audit chain a part ends in, for the next part's head
        for part in entry["parts"]:
            items = list(read_part(exports, part))
            written += _write(ports, name, items, report, carry)
            if name == "cases":
                report.replayed_purges += _shredded(ports, items)
        report.counts[name] = written
    for case_id in report.replayed_purges:  # last: every container's items of the case are back
        _purge_again(ports, case_id)
    return report


def _write(
    ports: Ports, container: str, items: list[Item], report: RestoreReport, carry: dict[str, Item]
) -> int:
    kept = [i for i in items if not _stale_email(i)]
    report.skipped_emails += len(items) - len(kept)
    if container == "audit":
        report.heads_rewound += _rewind_heads(kept, carry)
    pk_field = _partition_field(container)
    for partition, chunk in _batches(kept, pk_field):
        ports.store.batch(container, partition, [BatchOperation("upsert", item=item) for item in chunk])
    return len(kept)


def _partition_field(container: str) -> str:
    from shared.ports import CONTAINERS  # noqa: PLC0415

    return CONTAINERS[container]


def _stale_email(item: Item) -> bool:
    """A pending effect other than an audit event (an e-mail, a password reset's mail)."""
    return item.get("type") == EFFECT_TYPE and item.get("kind") != "audit"


def _batches(items: Iterable[Item], pk_field: str) -> Iterator[tuple[str, list[Item]]]:
    """Consecutive items of one partition (the export is ordered by partition key), cut at the
    batch limits of the Store port (operations and JSON size)."""
    chunk: list[Item] = []
    size = 0
    partition: str | None = None
    for item in items:
        item_size = len(json.dumps(item, separators=(",", ":")))
        key = str(item[pk_field])
        full = len(chunk) >= MAX_BATCH_OPERATIONS or size + item_size > _BATCH_BYTES
        if chunk and (key != partition or full):
            yield str(partition), chunk
            chunk, size = [], 0
        partition = key
        chunk.append(item)
        size += item_size
    if chunk:
        yield str(partition), chunk


def _rewind_heads(items: list[Item], carry: dict[str, Item]) -> int:
    """Step 3: set each head that names a later event than the last one exported to that last
    event. ``carry`` holds the last event of the chain the previous part ended in (a part
    boundary may fall between a chain's events and its head, which sorts after them)."""
    last = carry
    rewound = 0
    for item in items:
        if item.get("type") == EVENT_TYPE:
            scope = str(item["scope"])
            if scope not in last or int(item["seq"]) > int(last[scope]["seq"]):
                last[scope] = item
        elif item.get("id") == HEAD_ID:
            event = last.get(str(item["scope"]))
            if event is not None and int(item.get("seq", 0)) > int(event["seq"]):
                item["seq"] = int(event["seq"])
                item["hash"] = str(event["hash"])
                rewound += 1
    if items:  # keep only the chain the part ends in: bounded memory whatever the export's size
        final = str(items[-1].get("scope"))
        kept = last.get(final)
        carry.clear()
        if kept is not None:
            carry[final] = kept
    return rewound


def _shredded(ports: Ports, items: list[Item]) -> list[str]:
    """Step 4's cases among ``items``: case records (not tombstones) whose data key is not in
    the live keys — one read per 100 cases."""
    cases = [i for i in items if i.get("id") == "case" and i.get("status") != "purged"]
    found: list[str] = []
    for start in range(0, len(cases), 100):
        chunk = cases[start : start + 100]
        keys = ports.store.read_points(_KEY_CONTAINER, [(str(c["caseId"]), _KEY_ITEM_ID) for c in chunk])
        found += [str(c["caseId"]) for c in chunk if (str(c["caseId"]), _KEY_ITEM_ID) not in keys]
    return found


def _purge_again(ports: Ports, case_id: str) -> None:
    """Mark the restored case ``purging`` (as step (a) of the purge does, with its participants)
    and run the purge: key (already gone), blobs, items, tombstone, ``case:purge``."""
    from shared.retention.purge import purge_case  # noqa: PLC0415 - the purge imports the item registry

    store = ports.store
    now = ports.clock.now()
    try:
        case = store.read("cases", case_id, "case")
    except NotFound:
        return
    if case.get("status") not in ("purging", "purged"):
        users = sorted({str(p["userId"]) for p in _participants(ports, case_id)})
        marked = {**case, "status": "purging", "purgeStartedAt": now.isoformat(), "purgeUsers": users}
        with contextlib.suppress(Conflict):
            store.replace("cases", marked, if_match=str(case["_etag"]))
    purge_case(ports, case_id, now)


def _participants(ports: Ports, case_id: str) -> list[Item]:
    found: list[Item] = []
    continuation: str | None = None
    while True:
        page = ports.store.query(
            "cases", case_id, Query(equals={"type": "participant"}, limit=500, continuation=continuation)
        )
        found += page.items
        continuation = page.continuation
        if continuation is None:
            return found
