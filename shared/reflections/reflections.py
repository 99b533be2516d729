"""Reflections (SPEC journeys 5, 7, 11): the employee's dated self-assessments, the series they
share, and the dashboards computed from what each viewer may see.

Storage (docs/decisions/020-reflections-in-monthly-buckets.md): the entries of one calendar month
live in one item ``cases`` [caseId] ``reflmonth-<YYYYMM>``; each entry has its own ETag and
version inside it, and its scales and its text are sealed with the case key as two fields
(AAD = the bucket item and ``<date>.scales`` / ``<date>.text``), so a dashboard opens the scales
and never the text. Every change replaces the bucket with its store ETag (a concurrent change of
another day of the month makes us re-read and try again, never overwrite). A three-year
dashboard reads at most 37 buckets in one ``read_many``, whatever the number of entries.

The series is a registry item (``reflection_series-<caseId>``, one per case, owned by the case's
employee), shared with the generic grants, whose options say what a grantee sees: entries from
``fromDate`` on, text only with ``includeText``. Who sees what is decided per request from the
live grant (:func:`window`), so a revoke or an expiry counts on the next request. Reads by anyone
but the employee are audited, one pending write each.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from shared.access.caller import Caller
from shared.access.items import ID, grant_counts, grant_id
from shared.access.relations import case_item
from shared.cases.participants import deletable_case, open_case
from shared.effects import case_audit_op, commit, record_item_read
from shared.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    FieldError,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from shared.identity.tokens import new_id
from shared.item_types import REGISTRY
from shared.items import kernel
from shared.ports import MAX_READ_MANY, BatchOperation, Item, Ports, Query
from shared.reflections.series import SCALES, ScaleSeries, scale_series

__all__ = [
    "EDITABLE_DAYS",
    "MAX_DASHBOARD_DAYS",
    "MAX_LIST_DAYS",
    "MAX_NOTE",
    "MAX_PROMPT",
    "PROMPTS",
    "SERIES",
    "TEXTS",
    "ZURICH",
    "DateInFuture",
    "DateTooOld",
    "EmptyEntry",
    "InvalidRange",
    "RangeTooLong",
    "ReflectionExists",
    "Visible",
    "Window",
    "dashboard",
    "delete_entry",
    "export_owned",
    "find_series",
    "listing",
    "purge_case",
    "put_entry",
    "read_entry",
    "seen_by",
    "series_view",
    "today",
    "views_of",
    "visible",
    "visible_texts",
    "window",
]

ZURICH = ZoneInfo("Europe/Zurich")
SERIES = REGISTRY["reflection_series"]
#: Entries can be written for today and this many days back, never ahead.
EDITABLE_DAYS = 14
PROMPTS = ("wentWell", "limits", "needs")
TEXTS = (*PROMPTS, "note")
MAX_PROMPT = 2000
MAX_NOTE = 4000
#: Days one list request may span, and the default.
MAX_LIST_DAYS, LIST_DAYS = 366, 30
#: Days one dashboard may span (three years and a day), and the default.
MAX_DASHBOARD_DAYS, DASHBOARD_DAYS = 3 * 365 + 1, 90
BUCKET_TYPE = "reflmonth"
_ATTEMPTS = 5
_ALLOWED_CONTROLS = {"\n", "\t"}


class DateInFuture(InvalidInput):
    code = "date_in_future"


class DateTooOld(InvalidInput):
    code = "date_too_old"


class EmptyEntry(InvalidInput):
    code = "empty_entry"


class RangeTooLong(InvalidInput):
    code = "range_too_long"


class InvalidRange(InvalidInput):
    code = "invalid_range"


class ReflectionExists(PreconditionFailed):
    """``If-None-Match: *`` (create) for a day that already has an entry."""

    code = "reflection_exists"


# -- days ------------------------------------------------------------------------------------------


def today(ports: Ports) -> date:
    """Today as a Europe/Zurich calendar day."""
    return ports.clock.now().astimezone(ZURICH).date()


def parse_day(text: str, field: str = "date") -> date:
    """An ISO ``YYYY-MM-DD`` day, or 400 ``invalid_input`` naming the field (code ``invalid_date``)."""
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("not a day", errors=[FieldError(field, "invalid_date")]) from None


def _editable(ports: Ports, day: date) -> None:
    now = today(ports)
    if day > now:
        raise DateInFuture("entries cannot be written ahead", field="date")
    if day < now - timedelta(days=EDITABLE_DAYS):
        raise DateTooOld("entries can be written up to 14 days back", field="date", days=EDITABLE_DAYS)


def span(
    ports: Ports, first: date | None, last: date | None, *, default_days: int, max_days: int
) -> tuple[date, date]:
    """The requested days (``to`` defaults to today, ``from`` to ``default_days`` before it)."""
    last = last or today(ports)
    first = first or last - timedelta(days=default_days - 1)
    if first > last:
        raise InvalidRange("from lies after to", field="from")
    if (last - first).days + 1 > max_days:
        raise RangeTooLong("the period is too long", field="from", days=max_days)
    return first, last


def bucket_id(day: date) -> str:
    return f"{BUCKET_TYPE}-{day.year:04d}{day.month:02d}"


def _bucket_ids(first: date, last: date) -> list[str]:
    ids, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        ids.append(f"{BUCKET_TYPE}-{year:04d}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ids


# -- who sees what ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """What one viewer may see of the case's reflections right now."""

    access: Literal["owner", "shared", "none"]
    owner_id: str | None  # the case's employee
    visible_from: date | None  # a share's fromDate (None: from the start)
    include_text: bool
    grant_id: str | None = None  # the share's grant, for the audit of what it let one read


_NOTHING = Window("none", None, None, False)


def series_id(case_id: str) -> str:
    """One series per case: its id is the case's."""
    return case_id


def _series_item_id(case_id: str) -> str:
    return f"{SERIES.name}-{series_id(case_id)}"


def _case(ports: Ports, caller: Caller | None, case_id: str) -> Item:
    case = (caller.case(case_id) if caller else None) or case_item(ports.store, case_id)
    if case is None:
        raise NotFound("no such case")
    return case


def window(ports: Ports, case: Item, viewer_id: str, *, participant_known: bool) -> Window:
    """The viewer's :class:`Window`: all for the case's employee; a live grant's window for a
    participant holding one from the employee; nothing otherwise. ``participant_known``: the
    access check established that the viewer is an active participant (else it is read here,
    in the same call as the grant)."""
    case_id, owner_id = str(case["caseId"]), case.get("employeeUserId")
    if not owner_id or not ID.fullmatch(viewer_id):
        return _NOTHING
    if viewer_id == owner_id and participant_known:
        return Window("owner", owner_id, None, True)
    wanted = [grant_id(SERIES.name, series_id(case_id), viewer_id)]
    if not participant_known:
        wanted.append(f"participant-{viewer_id}")
    found = ports.store.read_many("cases", case_id, wanted)
    if not participant_known:
        member = found.get(f"participant-{viewer_id}")
        if member is None or member.get("status") != "active":
            return _NOTHING
        if viewer_id == owner_id:
            return Window("owner", owner_id, None, True)
    grant = found.get(wanted[0])
    if (
        grant is None
        or grant.get("type") != "grant"
        or grant.get("ownerId") != owner_id
        or not grant_counts(grant, ports.clock.now())
    ):
        return _NOTHING
    visible_from = date.fromisoformat(grant["fromDate"]) if grant.get("fromDate") else None
    return Window("shared", owner_id, visible_from, grant.get("includeText") is True, str(grant["id"]))


# -- sealing ---------------------------------------------------------------------------------------


def _seal(ports: Ports, case_id: str, bucket: str, field: str, value: Mapping[str, Any]) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)  # UTF-8, not \u escapes: the month fits
    return ports.cipher.encrypt_field(case_id, "cases", bucket, field, text)


def _open(ports: Ports, case_id: str, bucket: str, field: str, sealed: str) -> dict[str, Any]:
    opened: dict[str, Any] = json.loads(ports.cipher.decrypt_field(case_id, "cases", bucket, field, sealed))
    return opened


def _entry_view(
    ports: Ports, case_id: str, bucket: str, day: str, stored: Mapping[str, Any], *, with_text: bool
) -> dict[str, Any]:
    scales = _open(ports, case_id, bucket, f"{day}.scales", stored["scalesSealed"])
    texts = _open(ports, case_id, bucket, f"{day}.text", stored["textSealed"]) if with_text else {}
    return {
        "date": day,
        "scales": {scale: scales.get(scale) for scale in SCALES},
        **{field: texts.get(field) for field in TEXTS},
        "updatedAt": stored["updatedAt"],
        "etag": stored["etag"],
        "version": stored["version"],
    }


def _read_buckets(ports: Ports, case_id: str, owner_id: str, first: date, last: date) -> list[Item]:
    """The owner's buckets of the months from ``first`` to ``last``: one call per 100 months."""
    ids = _bucket_ids(first, last)
    found: list[Item] = []
    for start in range(0, len(ids), MAX_READ_MANY):
        items = ports.store.read_many("cases", case_id, ids[start : start + MAX_READ_MANY])
        found += [i for i in items.values() if i.get("type") == BUCKET_TYPE and i.get("ownerId") == owner_id]
    return found


def _visible_scales(
    ports: Ports, case_id: str, seen: Window, first: date, last: date
) -> dict[date, dict[str, int | None]]:
    """The scales of each day of ``first`` … ``last`` the window shows (the text stays sealed)."""
    if seen.access == "none" or seen.owner_id is None:
        return {}
    if seen.visible_from is not None:
        first = max(first, seen.visible_from)
    values: dict[date, dict[str, int | None]] = {}
    if first > last:
        return values
    for bucket in _read_buckets(ports, case_id, seen.owner_id, first, last):
        for key, stored in bucket.get("entries", {}).items():
            if first <= (day := date.fromisoformat(key)) <= last:
                values[day] = _open(ports, case_id, bucket["id"], f"{key}.scales", stored["scalesSealed"])
    return values


def _visible_entries(
    ports: Ports, case_id: str, seen: Window, first: date, last: date
) -> list[dict[str, Any]]:
    """The entries of ``first`` … ``last`` the window shows, newest first; text only if it may."""
    if seen.access == "none" or seen.owner_id is None:
        return []
    if seen.visible_from is not None:
        first = max(first, seen.visible_from)
    if first > last:
        return []
    with_text = seen.include_text
    entries = []
    for bucket in _read_buckets(ports, case_id, seen.owner_id, first, last):
        for day, stored in bucket.get("entries", {}).items():
            if first <= date.fromisoformat(day) <= last:
                entries.append(_entry_view(ports, case_id, bucket["id"], day, stored, with_text=with_text))
    return sorted(entries, key=lambda e: e["date"], reverse=True)


# -- the employee's entries ------------------------------------------------------------------------


def _own(ports: Ports, caller: Caller, case_id: str, *, for_change: bool = False) -> Item:
    """The case if the caller is its employee; anyone else is told it does not exist (or, for a
    change, that the case is closed first — the access table lets only employees get here)."""
    case = open_case(ports, case_id, caller) if for_change else _case(ports, caller, case_id)
    if case.get("employeeUserId") != caller.actor:
        raise NotFound("no such entry")
    return case


def _clean_text(value: str | None, field: str, limit: int) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) > limit:
        raise InvalidInput("text too long", errors=[FieldError(field, "too_long", {"limit": limit})])
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in _ALLOWED_CONTROLS for c in text):
        raise InvalidInput("control characters", errors=[FieldError(field, "invalid_value")])
    return text if text.strip() else None


def validate_entry(
    scales: Mapping[str, object], texts: Mapping[str, str | None]
) -> tuple[dict[str, int | None], dict[str, str | None]]:
    """The entry as stored: every scale an integer 0–10 or ``None`` (unknown names refused),
    texts NFC within their limits (blank = none); at least one scale or text."""
    errors = [FieldError(f"scales.{name}", "unknown_field") for name in scales if name not in SCALES]
    errors += [FieldError(name, "unknown_field") for name in texts if name not in TEXTS]
    clean_scales: dict[str, int | None] = {}
    for name in SCALES:
        value = scales.get(name)
        if value is not None and (type(value) is not int or not 0 <= value <= 10):
            errors.append(FieldError(f"scales.{name}", "invalid_value"))
        clean_scales[name] = value if type(value) is int else None
    if errors:
        raise InvalidInput("the entry does not match the schema", errors=errors)
    clean_texts = {
        name: _clean_text(texts.get(name), name, MAX_NOTE if name == "note" else MAX_PROMPT) for name in TEXTS
    }
    if all(v is None for v in clean_scales.values()) and all(v is None for v in clean_texts.values()):
        raise EmptyEntry("give at least one scale or text", field="scales")
    return clean_scales, clean_texts


def _bare(etag: str) -> str:
    return etag.strip().removeprefix("W/").strip('"')


def read_entry(ports: Ports, caller: Caller, case_id: str, day_text: str) -> dict[str, Any]:
    """One of the employee's own entries, with its text (anyone else: ``NotFound``)."""
    _own(ports, caller, case_id)
    day = parse_day(day_text)
    try:
        bucket = ports.store.read("cases", case_id, bucket_id(day))
    except NotFound:
        raise NotFound("no entry for this day") from None
    stored = bucket.get("entries", {}).get(day.isoformat())
    if bucket.get("ownerId") != caller.actor or stored is None:
        raise NotFound("no entry for this day")
    return _entry_view(ports, case_id, bucket["id"], day.isoformat(), stored, with_text=True)


def put_entry(
    ports: Ports,
    caller: Caller,
    case_id: str,
    day_text: str,
    *,
    scales: Mapping[str, object],
    texts: Mapping[str, str | None],
    if_match: str | None,
    if_none_match: str | None,
) -> tuple[dict[str, Any], bool]:
    """Create (``if_none_match="*"``) or change (``if_match`` = the entry's ETag) the entry of a
    day; returns its view and whether it was created. The bucket, the series (on the first
    entry) and the audit event are one batch."""
    case = _own(ports, caller, case_id, for_change=True)
    day = parse_day(day_text)
    _editable(ports, day)
    clean_scales, clean_texts = validate_entry(scales, texts)
    creating = not (if_match or "").strip() or (if_match or "").strip() == "*"
    if creating and (if_none_match or "").strip() != "*":
        raise PreconditionRequired("send If-None-Match: * to create, If-Match: <etag> to change")
    key, bid = day.isoformat(), bucket_id(day)
    for _ in range(_ATTEMPTS):
        found = ports.store.read_many("cases", case_id, [bid, _series_item_id(case_id)])
        bucket = found.get(bid)
        entries = dict(bucket.get("entries", {})) if bucket else {}
        current = entries.get(key)
        if creating and current is not None:
            raise ReflectionExists("this day has an entry; change it with its ETag")
        if not creating and (current is None or _bare(current["etag"]) != _bare(str(if_match))):
            raise ConcurrencyConflict("the entry was changed or deleted meanwhile")
        now = ports.clock.now().isoformat()
        entries[key] = {
            "scalesSealed": _seal(ports, case_id, bid, f"{key}.scales", clean_scales),
            "textSealed": _seal(ports, case_id, bid, f"{key}.text", clean_texts),
            "etag": f'"{new_id()}"',
            "version": int(current["version"]) + 1 if current else 1,
            "createdAt": current["createdAt"] if current else now,
            "updatedAt": now,
        }
        steps = []
        if _series_item_id(case_id) not in found:
            steps.append(BatchOperation("create", item=_new_series(case, now)))
        steps.append(
            _bucket_step(
                case_id, owner_id=caller.actor, bid=bid, day=day, bucket=bucket, entries=entries, now=now
            )
        )
        audit = _audit(ports, caller, case, "reflection:create" if creating else "reflection:update")
        try:
            commit(ports.store, "cases", case_id, steps, [audit])
        except (AlreadyExists, ConcurrencyConflict, NotFound):
            continue  # another day of the month (or the series) was written meanwhile: again
        return _entry_view(ports, case_id, bid, key, entries[key], with_text=True), creating
    raise ConcurrencyConflict("the month kept changing; try again")


def delete_entry(ports: Ports, caller: Caller, case_id: str, day_text: str, *, if_match: str) -> None:
    """Delete the entry of a day (today and 14 days back), with the ETag it was read with."""
    _own(ports, caller, case_id, for_change=True)
    case = deletable_case(ports, case_id, caller)
    day = parse_day(day_text)
    _editable(ports, day)
    key, bid = day.isoformat(), bucket_id(day)
    for _ in range(_ATTEMPTS):
        try:
            bucket = ports.store.read("cases", case_id, bid)
        except NotFound:
            raise NotFound("no entry for this day") from None
        entries = dict(bucket.get("entries", {}))
        current = entries.pop(key, None)
        if current is None or bucket.get("ownerId") != caller.actor:
            raise NotFound("no entry for this day")
        if _bare(current["etag"]) != _bare(if_match):
            raise ConcurrencyConflict("the entry was changed meanwhile")
        now = ports.clock.now().isoformat()
        step = (
            _bucket_step(
                case_id, owner_id=caller.actor, bid=bid, day=day, bucket=bucket, entries=entries, now=now
            )
            if entries
            else BatchOperation("delete", id=bid, if_match=bucket["_etag"])
        )
        try:
            commit(ports.store, "cases", case_id, [step], [_audit(ports, caller, case, "reflection:delete")])
        except (ConcurrencyConflict, NotFound):
            continue
        return
    raise ConcurrencyConflict("the month kept changing; try again")


def _bucket_step(
    case_id: str,
    *,
    owner_id: str,
    bid: str,
    day: date,
    bucket: Item | None,
    entries: dict[str, Any],
    now: str,
) -> BatchOperation:
    item: Item = {
        "id": bid,
        "caseId": case_id,
        "type": BUCKET_TYPE,
        "seriesId": series_id(case_id),
        "ownerId": owner_id,
        "month": f"{day.year:04d}-{day.month:02d}",
        "entries": entries,
        "createdAt": bucket["createdAt"] if bucket else now,
        "updatedAt": now,
    }
    if bucket is None:
        return BatchOperation("create", item=item)
    return BatchOperation("replace", item=item, if_match=bucket["_etag"])


def _new_series(case: Item, now: str) -> Item:
    case_id = str(case["caseId"])
    return {
        "id": _series_item_id(case_id),
        "caseId": case_id,
        "type": SERIES.name,
        SERIES.id_field: series_id(case_id),
        "ownerId": case["employeeUserId"],
        "ownerRole": "employee",
        "createdAt": now,
        "updatedAt": now,
    }


def _audit(ports: Ports, caller: Caller, case: Item, action: str) -> BatchOperation:
    return case_audit_op(
        caller,
        action,
        case_id=str(case["caseId"]),
        target_type=SERIES.target_type,
        target_id=series_id(str(case["caseId"])),
        owner_id=case.get("employeeUserId"),
        org_id=case.get("orgId"),
        now=ports.clock.now(),
    )


def _record_read(ports: Ports, caller: Caller, case_id: str, seen: Window, action: str) -> None:
    """A read by someone other than the employee: one pending audit write, for the employee,
    naming the share that let them read (if any)."""
    if seen.owner_id is None or caller.actor == seen.owner_id:
        return
    if seen.grant_id is not None:
        caller = dataclasses.replace(
            caller, decision=dataclasses.replace(caller.decision, grant_id=seen.grant_id)
        )
    record_item_read(
        ports.store,
        caller,
        action,
        case_id=case_id,
        target_type=SERIES.target_type,
        item_id=series_id(case_id),
        owner_id=seen.owner_id,
        now=ports.clock.now(),
    )


# -- what others see -------------------------------------------------------------------------------


def _window_json(seen: Window) -> dict[str, Any]:
    return {
        "access": seen.access,
        "visibleFrom": seen.visible_from.isoformat() if seen.visible_from else None,
        "includesText": seen.include_text,
    }


def listing(
    ports: Ports, caller: Caller, case_id: str, *, first: date | None = None, last: date | None = None
) -> dict[str, Any]:
    """The entries of ``first`` … ``last`` (default: the last 30 days) the caller may see now,
    newest first: all of the employee's own; a grantee's from the share's ``fromDate`` on, text
    only if the share includes it; nobody else any (an empty list: the case is theirs to see)."""
    first, last = span(ports, first, last, default_days=LIST_DAYS, max_days=MAX_LIST_DAYS)
    case = _case(ports, caller, case_id)
    seen = window(ports, case, caller.actor, participant_known=caller.case_role(case_id) is not None)
    entries = _visible_entries(ports, case_id, seen, first, last)
    if seen.access == "shared":
        _record_read(ports, caller, case_id, seen, "reflection:list")
    now = today(ports)
    return {
        "entries": entries,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "editableFrom": (now - timedelta(days=EDITABLE_DAYS)).isoformat(),
        "today": now.isoformat(),
        **_window_json(seen),
    }


def dashboard(
    ports: Ports, caller: Caller, case_id: str, *, first: date | None = None, last: date | None = None
) -> dict[str, Any]:
    """The scales over ``first`` … ``last`` (default: the last 90 days) computed only from the
    entries the caller may see now (:mod:`shared.reflections.series`), and the plan timeline.
    Audited for everyone but the employee (it shows the employee's case)."""
    first, last = span(ports, first, last, default_days=DASHBOARD_DAYS, max_days=MAX_DASHBOARD_DAYS)
    seen = visible(ports, caller, case_id, first, last, action="dashboard:read")
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "visibleFrom": seen.window.visible_from.isoformat() if seen.window.visible_from else None,
        "includesText": seen.window.include_text,
        "access": seen.window.access,
        "scales": [s.to_json() for s in seen.scales],
        "plan": seen.plan,
    }


@dataclass(frozen=True)
class Visible:
    """What a viewer may see of the case's reflections over a period, right now: the window,
    every scale's series (:mod:`shared.reflections.series`) and the plan timeline."""

    window: Window
    scales: list[ScaleSeries]
    plan: list[dict[str, Any]]
    case: Item


def visible(ports: Ports, caller: Caller, case_id: str, first: date, last: date, *, action: str) -> Visible:
    """The dashboard's one path to what the caller may see now (the dashboard and the PDF report
    both use it), audited as ``action`` for everyone but the employee. The period is the
    caller's to check (:func:`span`)."""
    case = _case(ports, caller, case_id)
    seen = window(ports, case, caller.actor, participant_known=caller.case_role(case_id) is not None)
    values = _visible_scales(ports, case_id, seen, first, last)
    timeline = plan_timeline(ports, case_id, first, last)
    if seen.access == "none":  # the plan is the employee's case too: audited all the same
        seen = Window("none", case.get("employeeUserId"), None, False)
    _record_read(ports, caller, case_id, seen, action)
    return Visible(seen, scale_series(values), timeline, case)


def visible_texts(ports: Ports, seen: Visible, first: date, last: date) -> list[dict[str, Any]]:
    """The entries of the period that carry text, newest first, if the window includes text
    (the employee's own, or a share with text); else none. Only the text fields and the date."""
    if not seen.window.include_text:
        return []
    entries = _visible_entries(ports, str(seen.case["caseId"]), seen.window, first, last)
    return [
        {"date": e["date"], **{field: e[field] for field in TEXTS}}
        for e in entries
        if any(e[field] for field in TEXTS)
    ]


def plan_timeline(ports: Ports, case_id: str, first: date, last: date) -> list[dict[str, Any]]:
    """Workload % over time from the plan's stages: each from its ``fromDate`` until the next
    stage's ``fromDate`` (``to``, exclusive; ``None`` for the last), those overlapping the period
    and those planned after it (a dashboard ending today shows the workload ahead, against the
    capacity the doctors certified ahead). One query; the stages' sealed tasks are not opened."""
    query = Query(equals={"type": "stage"}, order_by="fromDate", limit=200)
    stages = ports.store.query("cases", case_id, query).items
    timeline = []
    for index, stage in enumerate(stages):
        start = date.fromisoformat(stage["fromDate"])
        end = date.fromisoformat(stages[index + 1]["fromDate"]) if index + 1 < len(stages) else None
        if end is None or end > first:
            timeline.append(
                {
                    "from": start.isoformat(),
                    "to": end.isoformat() if end else None,
                    "workloadPercent": int(stage["workloadPercent"]),
                }
            )
    return timeline


def seen_by(ports: Ports, caller: Caller, case_id: str, viewer_id: str) -> list[dict[str, Any]]:
    """ "See what X sees": the caller's own entries of the last 30 days exactly as ``viewer_id``
    gets them listed now (empty unless the caller is the case's employee)."""
    case = _case(ports, caller, case_id)
    if case.get("employeeUserId") != caller.actor:
        return []
    seen = window(ports, case, viewer_id, participant_known=False)
    last = today(ports)
    return _visible_entries(ports, case_id, seen, last - timedelta(days=LIST_DAYS - 1), last)


# -- the series item -------------------------------------------------------------------------------


def series_view(item_or_case: Item, viewer_id: str) -> dict[str, Any]:
    case_id = str(item_or_case["caseId"])
    owner_id = item_or_case.get("ownerId") or item_or_case.get("employeeUserId")
    return {"id": series_id(case_id), "caseId": case_id, "ownerId": owner_id, "mine": owner_id == viewer_id}


def find_series(ports: Ports, caller: Caller, case_id: str) -> dict[str, Any]:
    """The case's series (id and owner) for any participant. The employee's first call stores
    it (audited), so that it can be shared before the first entry is written."""
    case = _case(ports, caller, case_id)
    owner_id = case.get("employeeUserId")
    if not owner_id:
        raise NotFound("the case has no employee")
    if owner_id == caller.actor:
        try:
            ports.store.read("cases", case_id, _series_item_id(case_id))
        except NotFound:
            now = ports.clock.now().isoformat()
            step = BatchOperation("create", item=_new_series(case, now))
            audit = _audit(ports, caller, case, "reflection_series:create")
            with contextlib.suppress(AlreadyExists):  # stored meanwhile by a first entry
                commit(ports.store, "cases", case_id, [step], [audit])
    return series_view(case, caller.actor)


def views_of(ports: Ports, items: list[Item], user_id: str) -> list[dict[str, Any]]:
    """The series as listed ("see what X sees"): ids only, never an entry."""
    return [series_view(item, user_id) for item in items]


def purge_case(ports: Ports, case_id: str) -> int:
    """Every bucket and the series of the case, with the series' grants (the retention purge:
    filtered ``Store.delete_partition`` calls, nothing read back)."""
    buckets = ports.store.delete_partition("cases", case_id, equals={"type": BUCKET_TYPE})
    return buckets + kernel.purge_case(ports, SERIES, case_id)


def export_owned(ports: Ports, case_id: str, user_id: str) -> list[dict[str, Any]]:
    """Every entry ``user_id`` wrote in the case, with its text, oldest first ("download my data")."""
    entries = []
    for bucket in _all_buckets(ports, case_id):
        if bucket.get("ownerId") == user_id:
            for day, stored in bucket.get("entries", {}).items():
                entries.append(_entry_view(ports, case_id, bucket["id"], day, stored, with_text=True))
    return sorted(entries, key=lambda e: e["date"])


def _all_buckets(ports: Ports, case_id: str) -> list[Item]:
    found: list[Item] = []
    continuation: str | None = None
    while True:
        page = ports.store.query(
            "cases", case_id, Query(equals={"type": BUCKET_TYPE}, limit=100, continuation=continuation)
        )
        found += page.items
        continuation = page.continuation
        if continuation is None:
            return found
