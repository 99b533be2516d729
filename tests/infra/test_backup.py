"""Backups: a geo-redundant, immutable Backup vault with daily/weekly/monthly/yearly retention
of the app's blobs (Cosmos DB's own periodic backup is checked in test_data_services.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.bicep import ENTRY, BicepProject, dotted

BACKUP = "modules/backup.bicep"
STORAGE_ACCOUNT_BACKUP_CONTRIBUTOR = "e5e2a7ff-d759-4cd2-bb51-3152d37e2eb1"
BLOB_DATASOURCE = "Microsoft.Storage/storageAccounts/blobServices"


@pytest.fixture(scope="module")
def rules(project: BicepProject) -> dict[str, dict[str, Any]]:
    policy = project.only("Microsoft.DataProtection/backupVaults/backupPolicies")
    assert project.resolve(BACKUP, policy.get("properties.datasourceTypes")[0]) == {BLOB_DATASOURCE}
    found = {rule["name"]: rule for rule in policy.get("properties.policyRules")}
    assert len(found) == len(policy.get("properties.policyRules")), "rule names must be unique"
    return found


def test_vault_is_geo_redundant_immutable_and_soft_deleting(project: BicepProject) -> None:
    vault = project.only("Microsoft.DataProtection/backupVaults")
    assert vault.get("properties.storageSettings") == [
        {"datastoreType": "VaultStore", "type": "GeoRedundant"}
    ]
    immutability = project.resolve(
        BACKUP, vault.get("properties.securitySettings.immutabilitySettings.state")
    )
    assert immutability and immutability <= {"Unlocked", "Locked"}  # never "Disabled"
    assert project.parameter(ENTRY, "backupImmutability")["default"] == "Unlocked"
    soft_delete = vault.get("properties.securitySettings.softDeleteSettings")
    assert soft_delete["state"] in ("On", "AlwaysOn")
    assert soft_delete["retentionDurationInDays"] >= 14
    assert vault.get("identity.type") == "SystemAssigned"


def test_daily_backup_tags_weekly_monthly_yearly_copies(rules: dict[str, dict[str, Any]]) -> None:
    backup = rules["BackupDaily"]
    assert backup["objectType"] == "AzureBackupRule"
    assert backup["dataStore"]["dataStoreType"] == "VaultStore"
    assert backup["trigger"]["schedule"]["repeatingTimeIntervals"] == ["backupSchedule"]
    tags = {c["tagInfo"]["tagName"]: c for c in backup["trigger"]["taggingCriteria"]}
    assert set(tags) == {"Default", "Weekly", "Monthly", "Yearly"}
    assert tags["Default"]["isDefault"] is True
    criteria = {
        name: tags[name]["criteria"][0]["absoluteCriteria"] for name in ("Weekly", "Monthly", "Yearly")
    }
    assert criteria == {"Weekly": ["FirstOfWeek"], "Monthly": ["FirstOfMonth"], "Yearly": ["FirstOfYear"]}


@pytest.mark.parametrize(
    ("rule", "parameter", "unit"),
    [
        ("Default", "dailyRetentionDays", "D"),
        ("Weekly", "weeklyRetentionWeeks", "W"),
        ("Monthly", "monthlyRetentionMonths", "M"),
        ("Yearly", "yearlyRetentionYears", "Y"),
    ],
)
def test_each_tag_has_a_retention_rule(
    project: BicepProject, rules: dict[str, dict[str, Any]], rule: str, parameter: str, unit: str
) -> None:
    retention = rules[rule]
    assert retention["objectType"] == "AzureRetentionRule"
    assert retention["isDefault"] is (rule == "Default")
    (lifecycle,) = retention["lifecycles"]
    assert lifecycle["sourceDataStore"]["dataStoreType"] == "VaultStore"
    assert lifecycle["deleteAfter"] == {
        "objectType": "AbsoluteDeleteOption",
        "duration": f"P${{{parameter}}}{unit}",
    }
    assert project.parameter(BACKUP, parameter)["default"] >= 1


def test_vault_may_back_up_the_data_account_and_does(project: BicepProject) -> None:
    grant = project.symbol(BACKUP, "vaultBacksUpStorage")
    assert project.symbol(BACKUP, grant.get("scope")).type == "Microsoft.Storage/storageAccounts"
    call = grant.get("properties.roleDefinitionId")["function"]
    assert project.resolve(BACKUP, call["parameters"]["resource_name_1"]) == {
        STORAGE_ACCOUNT_BACKUP_CONTRIBUTOR
    }
    instance = project.only("Microsoft.DataProtection/backupVaults/backupInstances")
    assert instance.get("properties.dataSourceInfo.datasourceType") == "blobDataSourceType"
    (parameters,) = instance.get("properties.policyInfo.policyParameters.backupDatasourceParametersList")
    assert parameters["objectType"] == "BlobBackupDatasourceParameters"
    assert instance.get("dependsOn") == ["vaultBacksUpStorage", "waitForBackupRole"]
    ((caller, params),) = project.module_calls(BACKUP)
    assert dotted(params["storageAccountName"]) == "dataStorage.outputs.name"
    assert caller == ENTRY


def test_backup_instance_waits_for_the_role_to_propagate(project: BicepProject) -> None:
    """First `azd up`: Azure Backup checks its role on the account when the instance is created,
    and a new role assignment takes minutes to arrive. A deployment script that only sleeps sits
    between the two, so the operator never has to re-run `azd provision`."""
    wait = project.symbol(BACKUP, "waitForBackupRole")
    assert wait.type == "Microsoft.Resources/deploymentScripts" and wait.api_version == "2023-08-01"
    assert wait.get("kind") == "AzureCLI"
    assert wait.get("dependsOn") == ["vaultBacksUpStorage"]
    props = wait.get("properties")
    # Nothing but a sleep, and no identity: the container can do nothing in Azure.
    assert "identity" not in wait.config
    assert props["scriptContent"] == "sleep ${rolePropagationWaitSeconds}"
    seconds = project.parameter(BACKUP, "rolePropagationWaitSeconds")
    assert seconds["default"] >= 120
    assert project.decorator(BACKUP, "rolePropagationWaitSeconds", "max_value") < 30 * 60  # below the timeout
    assert props["timeout"] == "PT30M"
    # Runs again when the vault (hence its identity and role assignment) is new; the resource is
    # kept for the longest retention Azure allows (26 h), and its container and storage are removed.
    assert dotted(props["forceUpdateTag"]) == "vault.identity.principalId"
    assert props["retentionInterval"] == "PT26H"
    assert props["cleanupPreference"] == "Always"


def test_backup_vault_and_grant_come_first(project: BicepProject) -> None:
    grant = project.symbol(BACKUP, "vaultBacksUpStorage")
    assert dotted(grant.get("properties.principalId")) == "vault.identity.principalId"
    assert "dependsOn" not in grant.config  # created as soon as the vault exists
