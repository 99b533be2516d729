"""The organisation's case directory (SPEC journey 17): org admins list all the organisation's
cases — whose case, its status, when opened and closed; never content — and find one by the
employee's name.

The name is searched through a **blind index** in the organisation's partition: one item per
word of the employee's name, ``orgs`` [orgId] ``name-<hash>-<caseId>`` {type ``case_name``,
token, caseId}, where the hash is an HMAC of the normalised word under a key derived from the
key-encryption key. The store never holds the searched word in clear, and the hashes are useless
without the key ring (a name list cannot be hashed to match them). The key version the index
uses is pinned per organisation (``orgs`` [orgId] ``name-index`` {kek}), so a rotation of the KEK
does not orphan the index. A search finds whole words ("erik" finds "Erik Beispiel"; "eri" does
not): one query on the longest word, the other words checked on the page's names.

See docs/decisions/029-casework-screens.md.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from shared.cases import listing
from shared.errors import Conflict, NotFound
from shared.identity import accounts
from shared.paging import Paged, Window, store_page
from shared.ports import MAX_READ_MANY, Item, Ports

__all__ = ["MAX_QUERY", "index_case_name", "name_words", "page"]

_LABEL = b"casedesk-case-name-index-v1"
#: The longest search text accepted.
MAX_QUERY = 120


def name_words(text: str) -> list[str]:
    """The words of a name as the index keeps them: case and accents folded ("Müller" and
    "muller" are one word), split at anything that is not a letter or digit, each once."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return list(dict.fromkeys(w for w in re.split(r"[\W_]+", plain) if w))


def _key(ports: Ports, org_id: str) -> bytes:
    """The organisation's index key, from the KEK version pinned for it (pinned on first use)."""
    try:
        pinned = ports.store.read("orgs", org_id, "name-index")
    except NotFound:
        current = ports.key_ring.current()
        item = {"id": "name-index", "orgId": org_id, "type": "name_index", "kek": current.version}
        try:
            pinned = ports.store.create("orgs", item)
        except Conflict:  # created meanwhile by another request: use theirs
            pinned = ports.store.read("orgs", org_id, "name-index")
    kek = ports.key_ring.get(str(pinned["kek"]))
    return hmac.new(kek.key, _LABEL + b"|" + org_id.encode(), hashlib.sha256).digest()


def _token(key: bytes, word: str) -> str:
    return hmac.new(key, word.encode(), hashlib.sha256).hexdigest()[:40]


def index_case_name(
    ports: Ports, org_id: str, case_id: str, name: str, state: Mapping[str, Any] | None = None
) -> None:
    """Make the case findable by the words of its employee's name (at opening). ``state``: the
    case's state and last activity the entries copy, so a search is ordered and filtered like
    the list (shared/cases/listing.py; the relay keeps them current)."""
    key = _key(ports, org_id)
    for word in name_words(name):
        token = _token(key, word)
        ports.store.upsert(
            "orgs",
            {
                "id": f"name-{token}-{case_id}",
                "orgId": org_id,
                "type": "case_name",
                "token": token,
                "caseId": case_id,
                **(state or {}),
            },
        )


def page(
    ports: Ports,
    org_id: str,
    window: Window,
    search: str = "",
    *,
    order: listing.CaseOrder = "activity",
    state: listing.CaseFilter | None = None,
) -> Paged[dict[str, Any]]:
    """One page of the organisation's cases — or of those whose employee's name has every word
    of ``search`` — newest activity (or opening) first, only those in ``state`` if given; each
    with its employee's name, its state and its last case-wide activity (a time, never what).
    A fixed number of store calls per page, whatever the number of cases."""
    words = name_words(search[:MAX_QUERY])  # the route refuses longer ones (its query model)
    if words:
        longest = max(words, key=len)
        equals = {"type": "case_name", "token": _token(_key(ports, org_id), longest)}
    else:
        equals = {"type": "case_ref"}
    found = store_page(ports.store, "orgs", org_id, listing.query(equals, order, state), window)
    case_ids = [str(r["caseId"]) for r in found.items]
    activity = {str(r["caseId"]): r.get("lastActivityAt") for r in found.items}
    items: dict[str, Item] = {}
    for start in range(0, len(case_ids), MAX_READ_MANY):
        keys = [(case_id, "case") for case_id in case_ids[start : start + MAX_READ_MANY]]
        items.update({k[0]: v for k, v in ports.store.read_points("cases", keys).items()})
    people = accounts.profiles(ports.store, [str(c.get("employeeUserId")) for c in items.values()])
    entries = []
    for case_id in case_ids:
        case = items.get(case_id)
        if case is None or case.get("orgId") != org_id:
            continue  # deleted (retention) since it was indexed
        name = str(people.get(str(case.get("employeeUserId")), {}).get("name", ""))
        if words and not set(words) <= set(name_words(name)):
            continue  # the other words of the search, on the page's names
        if not listing.matches(case, state):
            continue  # changed since the entry's copy (the relay catches up within seconds)
        entries.append(
            {
                "caseId": case_id,
                "employeeName": name,
                "status": case.get("status"),
                "legalHold": bool(case.get("legalHold")),
                "createdAt": case.get("createdAt"),
                "closedAt": case.get("closedAt"),
                "lastActivityAt": activity.get(case_id) or case.get("createdAt"),
            }
        )
    return Paged(entries, found.after)
