"""azure.yaml and main.parameters.json: what `azd up` needs to provision and deploy."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.infra import iac
from tests.infra.bicep import ENTRY, BicepProject


@pytest.fixture(scope="module")
def azure_yaml() -> dict[str, Any]:
    iac.require_iac_venv()
    loaded = iac.load_yaml(iac.ROOT / "azure.yaml")
    assert isinstance(loaded, dict)
    return loaded


def test_project_points_azd_at_the_bicep(azure_yaml: dict[str, Any]) -> None:
    assert azure_yaml["name"] == "casedesk"
    assert azure_yaml["infra"] == {"provider": "bicep", "path": "infra", "module": "main"}
    assert (iac.ROOT / azure_yaml["infra"]["path"] / f"{azure_yaml['infra']['module']}.bicep").is_file()


def test_api_service_is_a_python_function_app(azure_yaml: dict[str, Any]) -> None:
    api = azure_yaml["services"]["api"]
    assert api["project"] == "."
    assert api["language"] == "python"
    assert api["host"] == "function"
    assert (iac.ROOT / api["project"] / "function_app.py").is_file()
    assert (iac.ROOT / api["project"] / "requirements.txt").is_file()


def test_prepackage_hook_builds_the_frontend(azure_yaml: dict[str, Any]) -> None:
    hook = azure_yaml["services"]["api"]["hooks"]["prepackage"]
    for shell in ("posix", "windows"):
        run = hook[shell]["run"]
        assert re.search(r"\bcd web\b", run), shell
        assert "npm ci" in run and "npm run build" in run, shell
    assert json.loads((iac.ROOT / "web" / "package.json").read_text(encoding="utf-8"))["scripts"]["build"]


def test_parameters_file_matches_main_bicep(project: BicepProject) -> None:
    parameters = json.loads((iac.INFRA / "main.parameters.json").read_text(encoding="utf-8"))["parameters"]
    declared = project.files[ENTRY]["parameters"]
    assert set(parameters) <= set(declared)
    required = {name for name, p in declared.items() if p.get("default") is None}
    assert required <= set(parameters)
    for name, entry in parameters.items():
        assert re.fullmatch(r"\$\{[A-Z_]+(=[^}]*)?\}", entry["value"]), (
            f"{name}: use azd ${{VAR}} substitution"
        )
    assert parameters["environmentName"]["value"] == "${AZURE_ENV_NAME}"
