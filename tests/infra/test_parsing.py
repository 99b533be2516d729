"""Every Bicep file parses with pycep-parser, so every other test (and checkov) sees all of it."""

from __future__ import annotations

from typing import Any

from tests.infra import iac
from tests.infra.bicep import ENTRY, BicepProject

EXPECTED_MODULES = {
    "modules/residency-policy.bicep",
    "modules/identity.bicep",
    "modules/monitoring.bicep",
    "modules/key-vault.bicep",
    "modules/cosmos.bicep",
    "modules/data-storage.bicep",
    "modules/backup.bicep",
    "modules/email.bicep",
    "modules/host-storage.bicep",
    "modules/content-share.bicep",
    "modules/function-app.bicep",
    "modules/alerts.bicep",
}


def test_every_bicep_file_parses(parsed_files: dict[str, dict[str, Any]]) -> None:
    on_disk = {p.relative_to(iac.INFRA).as_posix() for p in iac.INFRA.rglob("*.bicep")}
    assert set(parsed_files) == on_disk
    errors = {path: entry["error"] for path, entry in parsed_files.items() if not entry["ok"]}
    assert errors == {}


def test_entry_point_is_at_subscription_scope(project: BicepProject) -> None:
    assert project.files[ENTRY]["globals"]["scope"]["value"] == "subscription"


def test_every_module_file_is_deployed_from_the_entry_point(project: BicepProject) -> None:
    assert set(project.files) == {ENTRY} | EXPECTED_MODULES
    for module in EXPECTED_MODULES:
        assert list(project.module_calls(module)), f"{module} is never deployed"
