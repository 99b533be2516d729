"""What the first page costs to download (issue 29): the scripts and styles ``web/dist/index.html``
loads before anything else (its module entry, module preloads and style sheets), raw, gzip
(level 9) and Brotli when the build wrote a ``.br`` copy (web/scripts/precompress.mjs), against the
budget of 60 kB gzip for the first page's JavaScript. Chunks loaded later (charts) are listed
apart.

Run after a build: ``make web && .venv/bin/python -m bench.bench_web_size``.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
BUDGET_GZIP_JS = 60_000


def first_page(index: str) -> list[str]:
    """The files index.html makes the browser fetch at once."""
    return sorted(set(re.findall(r'(?:src|href)="/(assets/[^"]+\.(?:js|css))"', index)))


def sizes(path: Path) -> tuple[int, int, int | None]:
    raw = path.read_bytes()
    brotli = path.with_name(path.name + ".br")
    return len(raw), len(gzip.compress(raw, 9)), brotli.stat().st_size if brotli.is_file() else None


def main() -> None:
    index = (DIST / "index.html").read_text(encoding="utf-8")
    eager = first_page(index)
    print(f"{'file':<34} {'raw':>9} {'gzip':>9} {'br':>9}")
    js_gzip = 0
    later = sorted(
        f"assets/{p.name}" for p in (DIST / "assets").glob("*.js") if f"assets/{p.name}" not in eager
    )
    for name in [*eager, *later]:
        raw, gz, br = sizes(DIST / name)
        note = "  (loaded later)" if name in later else ""
        print(f"{name:<34} {raw:>9} {gz:>9} {br if br is not None else '-':>9}{note}")
        if name in eager and name.endswith(".js"):
            js_gzip += gz
    verdict = "within" if js_gzip <= BUDGET_GZIP_JS else "OVER"
    print(f"first page JavaScript: {js_gzip} B gzip, {verdict} the budget of {BUDGET_GZIP_JS} B")


if __name__ == "__main__":
    main()
