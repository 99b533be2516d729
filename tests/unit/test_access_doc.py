from pathlib import Path

from shared.access.render import render_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


def test_docs_access_md_is_rendered_from_the_current_table() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/access.md is stale: run .venv/bin/python scripts/render_access.py"
    )
