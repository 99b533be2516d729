"""Cold import of ``function_app`` vs. ``import azure.functions`` alone (ARCHITECTURE §10).

On Azure, every cold start pays the import; it must stay close to the SDK's own cost (issue 13:
≤ 2×). Each sample is a fresh interpreter, the two alternate (SDK, app, SDK, app, …) so that the
machine's drift hits both alike; the median of ``--runs`` samples is reported for both, the ratio
of the two medians and the median of the pairwise ratios. The environment is passed on as it is
(here ``PYTHONDONTWRITEBYTECODE=1``: our modules are compiled from source on every start, as on
a read-only deployment without ``.pyc`` files), minus CaseDesk's settings.

Run: ``.venv/bin/python -m bench.bench_import [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sample(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEDESK_")}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    pairs = [(sample("import azure.functions"), sample("import function_app")) for _ in range(args.runs)]
    sdk = statistics.median(s for s, _ in pairs)
    app = statistics.median(a for _, a in pairs)
    print(f"runs={args.runs} (alternating)")
    print(f"import azure.functions: {sdk * 1000:.1f} ms (median)")
    print(f"import function_app:    {app * 1000:.1f} ms (median)")
    pairwise = statistics.median(a / s for s, a in pairs)
    print(f"ratio app/sdk: {app / sdk:.2f} (median of pairwise ratios {pairwise:.2f})")


if __name__ == "__main__":
    main()
