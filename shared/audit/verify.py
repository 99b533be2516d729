"""Checking one audit chain against itself and its head.

The chain is read in storage order (ids ``e-<seq>`` are zero-padded, so id order is position
order), one page at a time. Each event must sit at the position its ``seq`` names, hash to its
stored ``hash``, and link to the previous event's hash; the head must name the last event.
What each kind of tampering leaves behind:

* a field edited (or added/removed)          → ``modified``: the recomputed hash differs
* an event deleted in the middle / at the end → ``missing``: a gap in positions / positions up
  to the head's ``seq`` absent (at the end also ``head mismatch``)
* two events' contents swapped               → ``reordered``: an event's ``seq`` is not its
  position (and ``broken link``)
* an event edited and re-hashed              → ``broken link`` at the next event, whose
  ``prevHash`` still names the original (or ``head mismatch`` if it was the last)

A plain hash chain cannot detect an attacker who rewrites the whole tail *and* the head; the
anchors published outside the store do (``shared/backup/anchors.py``): given the anchored
``(seq, hash)`` of a chain, the event at that position must carry that hash (else ``anchor
mismatch``) and the chain must reach that far (else ``missing``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from shared.audit.events import EVENT_TYPE, GENESIS_HASH, HEAD_ID, chain_hash
from shared.errors import NotFound
from shared.ports import Item, Query, Store

__all__ = [
    "ANCHOR_MISMATCH",
    "BROKEN_LINK",
    "HEAD_MISMATCH",
    "MISSING",
    "MODIFIED",
    "REORDERED",
    "VerifyResult",
    "verify_chain",
]

MODIFIED = "modified"
MISSING = "missing"
REORDERED = "reordered"
BROKEN_LINK = "broken link"
HEAD_MISMATCH = "head mismatch"
ANCHOR_MISMATCH = "anchor mismatch"

_PAGE = 1000


@dataclass
class VerifyResult:
    """``problems`` read ``seq N: <kind> (<detail>)``; ``ok`` means there are none."""

    scope: str
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, first: int, kind: str, detail: str, last: int | None = None) -> None:
        where = f"seq {first}" if last is None or last == first else f"seq {first}..{last}"
        self.problems.append(f"{where}: {kind} ({detail})")


def _events(store: Store, container: str, scope: str) -> Iterator[Item]:
    continuation: str | None = None
    while True:
        query = Query(equals={"type": EVENT_TYPE}, order_by="id", limit=_PAGE, continuation=continuation)
        page = store.query(container, scope, query)
        yield from page.items
        continuation = page.continuation
        if continuation is None:
            return


def _position(item: Item) -> int | None:
    item_id = str(item.get("id", ""))
    digits = item_id.removeprefix("e-")
    return int(digits) if item_id.startswith("e-") and len(digits) == 12 and digits.isdigit() else None


def verify_chain(
    store: Store, container: str, scope: str, anchor: tuple[int, str] | None = None
) -> VerifyResult:
    """Walk one chain; with ``anchor`` (the ``(seq, hash)`` published outside the store), also
    check that the chain still holds that event unchanged."""
    result = VerifyResult(scope)
    expected = 1  # the next position
    prev_hash = GENESIS_HASH
    last_seq: object = 0
    for item in _events(store, container, scope):
        result.checked += 1
        position = _position(item)
        if position is None:
            result.add(expected, MODIFIED, f"unexpected item {item.get('id')!r} in the chain")
            continue
        gap = position > expected
        if gap:
            result.add(expected, MISSING, "no event stored at this position", position - 1)
        stored_hash = item.get("hash")
        if item.get("seq") != position or item.get("scope") != scope:
            result.add(position, REORDERED, f"the event stored here says seq {item.get('seq')!r}")
        if chain_hash(item) != stored_hash:
            result.add(position, MODIFIED, "its content does not match its hash")
        if not gap and item.get("prevHash") != prev_hash:
            result.add(position, BROKEN_LINK, "prevHash does not match the previous event's hash")
        if anchor is not None and position == anchor[0] and stored_hash != anchor[1]:
            result.add(position, ANCHOR_MISMATCH, "the chain was rewritten since it was anchored")
        prev_hash = str(stored_hash)
        last_seq = item.get("seq")
        expected = position + 1
    try:
        head: Item | None = store.read(container, scope, HEAD_ID)
    except NotFound:
        head = None
    _check_head(result, head, last=expected - 1, last_seq=last_seq, last_hash=prev_hash)
    if anchor is not None and expected - 1 < anchor[0]:
        result.add(expected, MISSING, f"the anchor records {anchor[0]} events", anchor[0])
    return result


def _check_head(
    result: VerifyResult, head: Item | None, *, last: int, last_seq: object, last_hash: str
) -> None:
    """The head must name the last stored event: catches deletions at the end of the chain."""
    if head is None:
        if result.checked:
            result.add(last, HEAD_MISMATCH, "the chain has events but no head")
        return
    head_seq = head.get("seq")
    if isinstance(head_seq, int) and head_seq > last:
        result.add(last + 1, MISSING, f"the head records {head_seq} events", head_seq)
    if head_seq != last or head_seq != last_seq or head.get("hash") != last_hash:
        result.add(
            head_seq if isinstance(head_seq, int) else last,
            HEAD_MISMATCH,
            f"the head names seq {head_seq!r}, the last stored event is seq {last}",
        )
