"""Audit chain heads anchored outside the database (issue 26; decision 008's open limit).

A hash chain shows a change to one event, but someone with write access to the store could
rewrite a whole chain — every event and the head — consistently. So the heads ``(scope, seq,
hash)`` are published daily (timer ``audit_anchor``) and on demand (``python -m shared.cli
publish-anchors``) to a blob container the app can add to but nobody can change or delete:
in Azure ``audit-anchors`` with a time-based immutability policy (WORM, ``infra/modules/
data-storage.bicep``). ``verify-audit`` then checks every chain against the newest anchor set:
the event at each anchored ``seq`` must still carry the anchored hash (else ``anchor
mismatch``), the chain must still reach that far (else ``missing``), and an anchored chain must
still exist, unless the retention deleted it (its case's tombstone records ``auditExpired``).

One anchor set is one blob ``<YYYY-MM-DD>/<HHMMSS.ffffff>Z.jsonl.gz``: one JSON line per chain
(sorted by scope), written once (create-only: a WORM container refuses overwrites anyway).
Anchors name pseudonymous ids and hashes only, no content.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from shared.audit.events import HEAD_TYPE
from shared.errors import NotFound
from shared.log import log_event
from shared.ports import BlobStore, Clock, Store

__all__ = ["Anchor", "AnchorSet", "latest", "load", "publish"]

_CONTAINER = "audit"


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str


@dataclass(frozen=True)
class AnchorSet:
    name: str
    chains: Mapping[str, Anchor]


def anchor_name(at: datetime) -> str:
    return f"{at.date().isoformat()}/{at.strftime('%H%M%S.%f')}Z.jsonl.gz"


def _heads(store: Store) -> Iterator[tuple[str, Anchor]]:
    for head in store.scan(_CONTAINER, equals={"type": HEAD_TYPE}):
        yield str(head["scope"]), Anchor(int(head["seq"]), str(head["hash"]))


def publish(store: Store, anchors: BlobStore, clock: Clock) -> AnchorSet:
    """Write the current head of every chain as one new anchor set and return it. Memory: the
    heads (scope, seq, hash: ~150 bytes a chain), read with one cross-partition query of the
    head items only (the events are never read)."""
    heads = dict(_heads(store))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as zipped:
        for scope in sorted(heads):
            anchor = heads[scope]
            line = {"scope": scope, "seq": anchor.seq, "hash": anchor.hash}
            zipped.write(json.dumps(line, sort_keys=True, separators=(",", ":")).encode() + b"\n")
    name = anchor_name(clock.now())
    anchors.put(name, out.getvalue(), overwrite=False)
    log_event("audit.anchored", timer="audit_anchor", chains=len(heads))
    return AnchorSet(name, heads)


def load(anchors: BlobStore, name: str) -> AnchorSet:
    """One anchor set by name (``NotFound`` if there is none)."""
    chains: dict[str, Anchor] = {}
    for raw in gzip.decompress(anchors.get(name)).splitlines():
        if raw:
            line = json.loads(raw)
            chains[str(line["scope"])] = Anchor(int(line["seq"]), str(line["hash"]))
    return AnchorSet(name, chains)


def latest(anchors: BlobStore) -> AnchorSet | None:
    """The newest anchor set, or None before the first publication."""
    names = [n for n in anchors.list() if n.endswith("Z.jsonl.gz")]
    if not names:
        return None
    try:
        return load(anchors, max(names))
    except NotFound:
        return None
