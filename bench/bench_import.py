"""Cold import of ``function_app`` vs. ``import azure.functions`` alone (ARCHITECTURE §10).

On Azure, every cold start pays the import; it must stay close to the SDK's own cost. Each
sample is a fresh interpreter; the median of ``--runs`` samples is reported for both, and the
ratio of the two medians.

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
    sdk = statistics.median(sample("import azure.functions") for _ in range(args.runs))
    app = statistics.median(sample("import function_app") for _ in range(args.runs))
    print(f"runs={args.runs}")
    print(f"import azure.functions: {sdk * 1000:.1f} ms (median)")
    print(f"import function_app:    {app * 1000:.1f} ms (median)")
    print(f"ratio app/sdk: {app / sdk:.2f}")


if __name__ == "__main__":
    main()
