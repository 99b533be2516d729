"""Render the item registry (shared/item_types.py) for the web app: web/src/lib/item-types.json.

Run by ``make docs``; ``tests/unit/test_item_registry.py`` fails when the file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.item_types import REGISTRY  # noqa: E402 - after the path setup above


def main() -> None:
    rows = [{"name": kind.name, "segment": kind.segment} for kind in REGISTRY.values()]
    target = ROOT / "web" / "src" / "lib" / "item-types.json"
    target.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
