"""Lighthouse on every main page of the web app (issue 24.8: mobile performance ≥ 90 and
cumulative layout shift ≤ 0.1 on each).

Starts the dev host on a fresh data directory with the browser tier's world (an organisation,
Erik's case with Dr. Dora and Elsa, their accounts onboarded over the API:
``tests/browser/conftest.py``), then runs ``bench/web/lighthouse.mjs``: npm ``lighthouse`` (its
default mobile preset) driving Debian's ``chromium`` through ``puppeteer-core``. It signs in,
gives Erik's case a few documents and notes (some shared with Dora), audits each page with its
data, and the share dialog as a timespan from the click until its access list is in.

Needs ``web/dist`` (``make web``), Debian's ``chromium`` and ``npm ci --prefix bench/web`` (its
own package.json: Lighthouse is a benchmark tool, not a dependency of the app).

Run by hand, not in ``make test``: ``.venv/bin/python -m bench.bench_lighthouse [--runs 3]``.
Record results in bench/README.md with the machine they ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

# The test helpers build the same world the browser journeys use.
from tests.api.conftest import Env
from tests.browser.conftest import UPLOAD_LIMIT, _populate
from tests.fixtures.devhost import start_devhost

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "web" / "lighthouse.mjs"


def run(runs: int) -> list[dict[str, Any]]:
    chromium = os.environ.get("CASEDESK_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        sys.exit("Debian's chromium is needed: apt-get install chromium")
    if not (ROOT / "bench" / "web" / "node_modules" / "lighthouse").is_dir():
        sys.exit("run `npm ci --prefix bench/web` first")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-lighthouse-") as tmp:
        data = Path(tmp) / "data"
        settings = {
            # development: the host does not check every answer against its model (test does),
            # so the figures are the product's, not the test harness's.
            "CASEDESK_ENV": "development",
            "CASEDESK_DATA_DIR": str(data),
            "CASEDESK_ARGON2_MEMORY_KIB": "1024",
            "CASEDESK_ARGON2_ITERATIONS": "1",
            "CASEDESK_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT),
        }
        with start_devhost(env=settings, extra_args=("--no-timers",), log=Path(tmp) / "devhost.log") as url:
            env = Env(url, data, {**os.environ, **settings})
            world = Path(tmp) / "world.json"
            world.write_text(json.dumps(_populate(env)), encoding="utf-8")
            for number in range(1, runs + 1):
                done = subprocess.run(
                    ["node", str(SCRIPT)],
                    env={**os.environ, "CASEDESK_WORLD": str(world), "CASEDESK_CHROMIUM": chromium},
                    capture_output=True,
                    text=True,
                    timeout=1200,
                    check=False,
                )
                if done.returncode != 0:
                    sys.exit(f"lighthouse run {number} failed:\n{done.stdout}\n{done.stderr}")
                for line in done.stdout.splitlines():
                    if line.startswith("{"):
                        rows.append({"run": number, **json.loads(line)})
                        print(line, file=sys.stderr, flush=True)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """Median per page over the runs (min–max of the performance score beside it)."""
    by_page: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_page[row["page"]].append(row)
    lines = [
        "| page | performance (median, min–max) | CLS | FCP ms | LCP ms | TBT ms |",
        "|---|---|---|---|---|---|",
    ]

    def median(values: list[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return statistics.median(present) if present else None

    for page, found in by_page.items():
        scores = [r["performance"] * 100 for r in found if r["performance"] is not None]
        score = f"{median(scores):.0f} ({min(scores):.0f}–{max(scores):.0f})" if scores else "– (timespan)"
        cls_median = median([r["cls"] for r in found])
        cls = "–" if cls_median is None else f"{cls_median:.3f}"
        cells = [
            f"{v:.0f}" if v is not None else "–"
            for v in (median([r[k] for r in found]) for k in ("fcpMs", "lcpMs", "tbtMs"))
        ]
        lines.append(f"| {page} | {score} | {cls} | {' | '.join(cells)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse passes over every page")
    args = parser.parse_args()
    rows = run(args.runs)
    print("BENCH_LIGHTHOUSE_JSON " + json.dumps(rows), flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
