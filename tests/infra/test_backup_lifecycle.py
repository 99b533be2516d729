"""Issue 26 in the infrastructure: the daily store export reaches the Backup vault and never holds
``keys`` or ``sessions``; the blob lifecycle policy makes purged data leave every copy after the
point-in-time-restore window; the audit anchors live in a container with a time-based
immutability policy (WORM). Azurite has no immutability, so the policy is checked here, statically;
the publish-and-compare logic runs in tests/contract/test_backup.py."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from shared.backup import export
from shared.config import SETTINGS
from shared.ports import CONTAINERS
from tests.infra import iac
from tests.infra.bicep import BicepProject, dotted

STORAGE = "modules/data-storage.bicep"
FUNCTION_APP = "modules/function-app.bicep"


def _default(project: BicepProject, file: str, name: str) -> Any:
    return project.parameter(file, name)["default"]


@pytest.fixture(scope="module")
def lifecycle(project: BicepProject) -> dict[str, dict[str, Any]]:
    policy = project.only("Microsoft.Storage/storageAccounts/managementPolicies")
    assert policy.file == STORAGE and policy.get("name") == "default"
    assert dotted(policy.get("parent")) == "account"
    rules = policy.get("properties.policy.rules")
    found = {rule["name"]: rule for rule in rules}
    assert len(found) == len(rules)
    for rule in rules:
        assert rule["enabled"] is True and rule["type"] == "Lifecycle"
        assert rule["definition"]["filters"]["blobTypes"] == ["blockBlob"]
    return found


# -- the export ---------------------------------------------------------------------------------


def test_the_export_never_holds_keys_or_sessions() -> None:
    assert frozenset({"keys", "sessions"}) == export.EXCLUDED
    assert set(export.EXPORTED) == set(CONTAINERS) - {"keys", "sessions"}
    assert len(export.EXPORTED) == len(set(export.EXPORTED))


def test_the_export_goes_to_the_container_the_vault_backs_up(project: BicepProject) -> None:
    exports = project.symbol(STORAGE, "exports")
    name = project.resolve(STORAGE, exports.get("name"))
    assert name == {SETTINGS["BACKUP_EXPORT_CONTAINER"][0]} == {"cosmos-exports"}
    backed_up = project.files[STORAGE]["outputs"]["backedUpContainers"]["value"]
    assert "exports.name" in [dotted(v) for v in backed_up]
    settings = {s["name"]: s["value"] for s in project.variable(FUNCTION_APP, "appSettings")}
    assert dotted(settings["BACKUP_EXPORT_CONTAINER"]) == "exportsContainer"
    assert dotted(settings["AUDIT_ANCHOR_CONTAINER"]) == "anchorsContainer"
    ((_, params),) = project.module_calls(FUNCTION_APP)
    assert dotted(params["exportsContainer"]) == "dataStorage.outputs.exportsContainer"
    assert dotted(params["anchorsContainer"]) == "dataStorage.outputs.anchorsContainer"
    outputs = project.files[STORAGE]["outputs"]
    assert dotted(outputs["exportsContainer"]["value"]) == "exports.name"
    assert dotted(outputs["anchorsContainer"]["value"]) == "anchors.name"


def test_the_export_timer_exists_and_runs_hourly_until_complete() -> None:
    tree = ast.parse((iac.ROOT / "functions" / "timers.py").read_text(encoding="utf-8"))
    constants = {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }  # fmt: skip
    assert constants["COSMOS_EXPORT_SCHEDULE"] == "0 5 * * * *"

    def at(schedule: str) -> tuple[int, int]:  # NCRONTAB: second minute hour … → (hour, minute)
        _, minute, hour, *_ = schedule.split()
        return int(hour), int(minute)

    # The anchors are published before the daily check reads them.
    assert at(constants["AUDIT_ANCHOR_SCHEDULE"]) < at(constants["AUDIT_VERIFY_SCHEDULE"])
    timers = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert {"cosmos_export", "audit_anchor"} <= timers


# -- the lifecycle policy -----------------------------------------------------------------------


def test_previous_versions_and_snapshots_go_after_the_restore_window(
    project: BicepProject, lifecycle: dict[str, dict[str, Any]]
) -> None:
    rule = lifecycle["previous-versions-and-snapshots"]
    assert "prefixMatch" not in rule["definition"]["filters"]  # every container of the account
    actions = rule["definition"]["actions"]
    assert actions["version"]["delete"]["daysAfterCreationGreaterThan"] == "versionDeleteDays"
    assert actions["snapshot"]["delete"]["daysAfterCreationGreaterThan"] == "versionDeleteDays"
    assert "baseBlob" not in actions  # live blobs are the app's business, never the policy's
    version_days = _default(project, STORAGE, "versionDeleteDays")
    soft_delete_days = _default(project, STORAGE, "softDeleteDays")
    service = project.symbol(STORAGE, "blobService")
    restore_days = service.get("properties.restorePolicy.days")
    assert restore_days == {
        "operator": {"type": "substract", "operands": {"operand_1": "softDeleteDays", "operand_2": 1}}
    }
    # Point-in-time restore rebuilds from versions: they must outlive its window.
    assert version_days >= soft_delete_days - 1
    assert project.decorator(STORAGE, "versionDeleteDays", "min_value") >= 7
    # The documented bound: a purged blob is gone from the account within ~60 days.
    assert version_days + soft_delete_days <= 62
    assert dotted(service.get("properties.deleteRetentionPolicy.days")) == "softDeleteDays"


def test_the_bound_is_written_next_to_the_promise() -> None:
    infra = (iac.ROOT / "docs" / "infra.md").read_text(encoding="utf-8")
    assert "60 days" in infra and "3 years" in infra
    decision = (iac.ROOT / "docs" / "decisions" / "033-backups.md").read_text(encoding="utf-8")
    assert "60 days" in decision


def test_old_exports_leave_the_live_container_the_vault_keeps_them(
    project: BicepProject, lifecycle: dict[str, dict[str, Any]]
) -> None:
    rule = lifecycle["old-exports"]
    (prefix,) = rule["definition"]["filters"]["prefixMatch"]
    assert prefix.replace("${exportsContainerName}", "cosmos-exports") == "cosmos-exports/"
    delete = rule["definition"]["actions"]["baseBlob"]["delete"]
    assert delete == {"daysAfterModificationGreaterThan": "exportKeepDays"}
    assert _default(project, STORAGE, "exportKeepDays") >= 2  # the vault's daily backup has run


# -- the audit anchors --------------------------------------------------------------------------


def test_anchors_live_in_an_immutable_container(project: BicepProject) -> None:
    policy = project.only("Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies")
    assert policy.file == STORAGE and policy.get("name") == "default"
    container = project.symbol(STORAGE, dotted(policy.get("parent")))
    assert container.type == "Microsoft.Storage/storageAccounts/blobServices/containers"
    assert project.resolve(STORAGE, container.get("name")) == {SETTINGS["AUDIT_ANCHOR_CONTAINER"][0]}
    assert container.get("properties.publicAccess") == "None"
    props = policy.get("properties")
    assert props["allowProtectedAppendWrites"] is False and props["allowProtectedAppendWritesAll"] is False
    assert props["immutabilityPeriodSinceCreationInDays"] == "anchorRetentionDays"
    assert _default(project, STORAGE, "anchorRetentionDays") >= 3650  # the audit retention, 10 years


def test_anchors_are_deleted_only_after_their_immutability(
    project: BicepProject, lifecycle: dict[str, dict[str, Any]]
) -> None:
    rule = lifecycle["expired-anchors"]
    (prefix,) = rule["definition"]["filters"]["prefixMatch"]
    assert prefix == "${anchorsContainerName}/"
    days = rule["definition"]["actions"]["baseBlob"]["delete"]["daysAfterModificationGreaterThan"]
    assert days == {
        "operator": {"type": "add", "operands": {"operand_1": "anchorRetentionDays", "operand_2": 1}}
    }
