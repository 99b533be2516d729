"""Runs tools of the IaC venv (``.venv-iac``, built by ``make setup`` from requirements-iac.txt).

checkov pins many libraries, so it and pycep-parser live in their own venv, and the tests here
(running in the app's ``.venv``) call that venv's interpreter and binaries in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
IAC_VENV = ROOT / ".venv-iac"
IAC_PYTHON = IAC_VENV / "bin" / "python"
CHECKOV = IAC_VENV / "bin" / "checkov"

# Parses every .bicep file under the directory given as argv[1]; prints {path: {ok, json|error}}.
_PARSE_ALL = """
import json, pathlib, sys
from pycep import BicepParser
root = pathlib.Path(sys.argv[1])
parser = BicepParser()
out = {}
for path in sorted(root.rglob("*.bicep")):
    rel = path.relative_to(root).as_posix()
    try:
        out[rel] = {"ok": True, "json": parser.parse(file_path=path)}
    except Exception as exc:
        out[rel] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
json.dump(out, sys.stdout, default=str)
"""

_LOAD_YAML = """
import json, sys, yaml
with open(sys.argv[1], encoding="utf-8") as f:
    json.dump(yaml.safe_load(f), sys.stdout)
"""


def require_iac_venv() -> None:
    """Fail in CI, skip loudly elsewhere, when the IaC venv has not been built."""
    if IAC_PYTHON.exists() and CHECKOV.exists():
        return
    message = f"IaC venv missing ({IAC_VENV}): run `make setup` to build it from requirements-iac.txt"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(f"NOT CHECKED: {message}")


def _run(args: list[str], *, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)


def parse_bicep_files() -> dict[str, dict[str, Any]]:
    """Every .bicep file under infra/, relative path → {"ok": True, "json": …} or {"ok": False, "error": …}."""
    result = _run([str(IAC_PYTHON), "-c", _PARSE_ALL, str(INFRA)])
    assert result.returncode == 0, f"pycep run failed:\n{result.stderr}"
    parsed: dict[str, dict[str, Any]] = json.loads(result.stdout)
    return parsed


def load_yaml(path: Path) -> Any:
    result = _run([str(IAC_PYTHON), "-c", _LOAD_YAML, str(path)])
    assert result.returncode == 0, f"cannot read {path}:\n{result.stderr}"
    return json.loads(result.stdout)


def run_checkov() -> dict[str, Any]:
    """checkov's JSON report for infra/. Its exit code is not enough: a file it cannot parse is
    only counted in summary.parsing_errors, so the tests read the report."""
    result = _run([str(CHECKOV), "--framework", "bicep", "-d", "infra", "-o", "json", "--skip-download"])
    assert result.stdout.strip(), f"checkov printed no report:\n{result.stderr[-3000:]}"
    report = json.loads(result.stdout)
    if isinstance(report, list):  # one report per framework; we ask for one
        (report,) = report
    assert isinstance(report, dict)
    return report
