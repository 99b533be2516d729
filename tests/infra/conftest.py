"""Session fixtures: the Bicep parsed once, checkov run once (both in the IaC venv)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra import iac
from tests.infra.bicep import BicepProject


@pytest.fixture(scope="session")
def parsed_files() -> dict[str, dict[str, Any]]:
    iac.require_iac_venv()
    return iac.parse_bicep_files()


@pytest.fixture(scope="session")
def project(parsed_files: dict[str, dict[str, Any]]) -> BicepProject:
    broken = {path: entry["error"] for path, entry in parsed_files.items() if not entry["ok"]}
    if broken:
        pytest.fail(f"pycep cannot parse: {broken}")
    return BicepProject({path: entry["json"] for path, entry in parsed_files.items()})


@pytest.fixture(scope="session")
def checkov_report() -> dict[str, Any]:
    iac.require_iac_venv()
    return iac.run_checkov()
