"""Renders the access table (``shared/access/table.py``) as Markdown for ``docs/access.md``."""

from __future__ import annotations

from shared.access.permissions import PUBLIC_ROUTES, Action
from shared.access.table import TABLE, Grant

__all__ = ["render_markdown"]

_RELATIONS = {
    "self": "the user's own account",
    "org": "staff of the organisation in the route",
    "case": "active participant of the case in the route",
    "case_org": "staff of the organisation that owns the case",
    "org_all_cases": 'staff of the organisation in the route holding "access all cases"',
    "break_glass": 'holder of a live break-glass access to the case (8 h, a reason, "access all cases")',
    "operator": "an active support operator (platform account)",
    "support": "the operator holding the live support grant in the route (approved, activated, in scope)",
    "item_owner": "owner of the item in the route (an active participant)",
    "item_viewer": "owner of the item in the route, or a participant it is shared with (unexpired)",
}


def _describe(grant: Grant) -> str:
    roles = ", ".join(grant.roles)
    text = _RELATIONS[grant.relation] + (f" as {roles}" if roles else "")
    return text if grant.needs_consent else text + " (also before re-consent)"


def render_markdown() -> str:
    lines = [
        "# Who may do what",
        "",
        "Generated from `shared/access/table.py` by `scripts/render_access.py`; do not edit by hand",
        "(a test fails when this file is stale). Anything not listed is denied. Someone with no",
        "relation to a case gets 404 for it, exactly as for a case that does not exist; an item",
        "(document, note) someone may not see is a 404 as well.",
        "",
        "| action | allowed for |",
        "|---|---|",
    ]
    for action in Action:
        grants = TABLE.get(action, ())
        allowed = "<br>".join(_describe(g) for g in grants) or "nobody"
        lines.append(f"| `{action.value}` | {allowed} |")
    lines += ["", "## Public routes (no session)", "", "| function | why it is public |", "|---|---|"]
    lines += [f"| `{name}` | {reason} |" for name, reason in PUBLIC_ROUTES.items()]
    return "\n".join(lines) + "\n"
