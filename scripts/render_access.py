"""Write docs/access.md from the access table: ``.venv/bin/python scripts/render_access.py``."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.access.render import render_markdown  # noqa: E402 - after the path setup above

if __name__ == "__main__":
    (ROOT / "docs" / "access.md").write_text(render_markdown(), encoding="utf-8")
    print("docs/access.md written")
