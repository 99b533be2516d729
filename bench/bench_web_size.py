"""What the first page costs to download (issue 29): the JavaScript a browser fetches before a
page can show, raw, gzip (level 9) and Brotli when the build wrote a ``.br`` copy
(web/scripts/precompress.mjs), against the budget of 60 kB gzip.

Each page is its own chunk and each language's catalog too (decision 040), so ``index.html`` alone
(its module entry, module preloads and style sheets) is not the whole first page: a first load of
``/cases`` also fetches the ``cases`` chunk with what it imports and the catalog of the language
shown. This counts, for each main landing page and each language, the entry and its static imports,
the page's chunk and its static imports, and the catalog — and judges the largest.

Run after a build: ``make web && .venv/bin/python -m bench.bench_web_size``.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
ASSETS = DIST / "assets"
BUDGET_GZIP_JS = 60_000
# A landing page (a link from an e-mail, a bookmark, a reload) and the chunk of its page.
LANDING = {
    "/login": "login",
    "/cases": "cases",
    "/cases/{id} (any tab)": "case",
    "/profile": "profile",
    "/notifications": "notifications",
    "/orgs/{id}": "org",
    "/support": "support",
}
LANGUAGES = ("en", "de")
STATIC_IMPORT = re.compile(r'(?:from|import)\s*"\./([\w.-]+\.js)"')


def first_page(index: str) -> list[str]:
    """The files index.html makes the browser fetch at once."""
    return sorted(set(re.findall(r'(?:src|href)="/assets/([^"]+\.(?:js|css))"', index)))


@cache
def sizes(name: str) -> tuple[int, int, int | None]:
    path = ASSETS / name
    raw = path.read_bytes()
    brotli = path.with_name(path.name + ".br")
    return len(raw), len(gzip.compress(raw, 9)), brotli.stat().st_size if brotli.is_file() else None


def chunk(name: str) -> str:
    """The built file of the chunk ``name`` (``case`` → ``case-DYT6e-fa.js``)."""
    found = [
        p.name for p in ASSETS.glob("*.js") if re.fullmatch(rf"{re.escape(name)}-[\w-]{{8}}\.js", p.name)
    ]
    if len(found) != 1:
        raise SystemExit(f"expected one built chunk named {name}, found {found}")
    return found[0]


def closure(names: list[str]) -> set[str]:
    """``names`` and every chunk they import statically (what the browser fetches before running them)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or not name.endswith(".js"):
            continue
        seen.add(name)
        todo.extend(STATIC_IMPORT.findall((ASSETS / name).read_text(encoding="utf-8")))
    return seen


def gzip_js(files: set[str]) -> int:
    return sum(sizes(name)[1] for name in files)


def main() -> None:
    index = (DIST / "index.html").read_text(encoding="utf-8")
    eager = first_page(index)
    entry = closure([name for name in eager if name.endswith(".js")])
    scripts = sorted(p.name for p in ASSETS.glob("*.js"))
    print(f"{len(scripts)} JavaScript chunks; index.html loads {', '.join(eager)}")
    print(f"{'file':<36} {'raw':>9} {'gzip':>9} {'br':>9}")
    for name in sorted(entry) + [n for n in scripts if n not in entry]:
        raw, gz, br = sizes(name)
        note = "" if name in entry else "  (on demand)"
        print(f"{name:<36} {raw:>9} {gz:>9} {br if br is not None else '-':>9}{note}")
    print()
    print(
        f"{'first load of':<24} {'files':>5} " + " ".join(f"{'gzip JS, ' + lang:>13}" for lang in LANGUAGES)
    )
    worst = 0
    for path, page in LANDING.items():
        files = entry | closure([chunk(page)])
        totals = [gzip_js(files | {chunk(lang)}) for lang in LANGUAGES]
        worst = max(worst, *totals)
        print(f"{path:<24} {len(files) + 1:>5} " + " ".join(f"{total:>13}" for total in totals))
    verdict = "within" if worst <= BUDGET_GZIP_JS else "OVER"
    print(f"largest first page JavaScript: {worst} B gzip, {verdict} the budget of {BUDGET_GZIP_JS} B")


if __name__ == "__main__":
    main()
