"""Data residency (SPEC §4): every resource in Switzerland North, enforced by Azure Policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.infra import iac
from tests.infra.bicep import ENTRY, BicepProject

PRIMARY = "switzerlandnorth"
ALLOWED_BY_POLICY = ["switzerlandnorth", "switzerlandwest"]
ALLOWED_LOCATIONS_POLICY = "e56962a6-4747-49cd-b67b-bf8b01975c4c"
ALLOWED_RG_LOCATIONS_POLICY = "e765b5de-1225-4ba3-bd56-1ac6695af988"
# Built-in "Azure Cosmos DB allowed locations" (Azure/azure-policy, Cosmos DB/Cosmos_Locations_Deny.json):
# denies an account any of whose properties.locations is outside listOfAllowedLocations.
COSMOS_ALLOWED_LOCATIONS_POLICY = "0473574d-2d43-4217-aefe-941fcdf7e684"
POLICY_FILE = "modules/residency-policy.bicep"

# Resource types that are "global" by design; they keep data at rest in their dataLocation.
GLOBAL_WITH_DATA_LOCATION = {
    "microsoft.communication/emailservices",
    "microsoft.communication/emailservices/domains",
    "microsoft.communication/communicationservices",
}
# Azure Monitor's notification service is global: an action group holds the operators' addresses
# and sends the alert e-mails, no data of the app (the built-in "Allowed locations" exempts global).
GLOBAL_WITHOUT_DATA = {"microsoft.insights/actiongroups"}
LOCATED_TYPES = (
    {
        "microsoft.resources/resourcegroups",
        "microsoft.managedidentity/userassignedidentities",
        "microsoft.operationalinsights/workspaces",
        "microsoft.insights/components",
        "microsoft.keyvault/vaults",
        "microsoft.documentdb/databaseaccounts",
        "microsoft.storage/storageaccounts",
        "microsoft.dataprotection/backupvaults",
        "microsoft.web/serverfarms",
        "microsoft.web/sites",
        "microsoft.resources/deploymentscripts",
        "microsoft.insights/scheduledqueryrules",
    }
    | GLOBAL_WITH_DATA_LOCATION
    | GLOBAL_WITHOUT_DATA
)
# Extension resources carry no location of their own.
NO_LOCATION = {
    "microsoft.authorization/roleassignments",
    "microsoft.authorization/roledefinitions",
    "microsoft.authorization/policyassignments",
    "microsoft.authorization/locks",
    "microsoft.insights/diagnosticsettings",
}


def test_location_parameter_only_allows_switzerland_north(project: BicepProject) -> None:
    assert project.decorator(ENTRY, "location", "allowed") == [PRIMARY]
    assert project.parameter(ENTRY, "location")["default"] == PRIMARY
    parameters = json.loads(Path(iac.INFRA / "main.parameters.json").read_text(encoding="utf-8"))
    assert parameters["parameters"]["location"]["value"] == "${AZURE_LOCATION=switzerlandnorth}"


def test_every_resource_location_resolves_to_switzerland_north(project: BicepProject) -> None:
    checked: set[str] = set()
    for resource in project.resources():
        kind = resource.type.lower()
        if "location" not in resource.config:
            top_level = kind.count("/") == 1
            assert kind in NO_LOCATION or not top_level, f"{resource} has no location"
            continue
        values = project.resolve(resource.file, resource.config["location"])
        if kind in GLOBAL_WITH_DATA_LOCATION | GLOBAL_WITHOUT_DATA:
            assert values == {"global"}, resource
        else:
            assert values == {PRIMARY}, f"{resource.file}:{resource.symbol} may be placed in {values}"
        checked.add(kind)
    assert checked >= LOCATED_TYPES  # the test looked at the real resource set


@pytest.mark.parametrize(
    "type_", ["Microsoft.Communication/emailServices", "Microsoft.Communication/communicationServices"]
)
def test_global_resources_keep_data_in_switzerland(project: BicepProject, type_: str) -> None:
    resource = project.only(type_)
    assert project.resolve(resource.file, resource.get("properties.dataLocation")) == {"Switzerland"}


@pytest.mark.parametrize(
    ("definition", "symbol"),
    [
        (ALLOWED_LOCATIONS_POLICY, "allowedLocationsAssignment"),
        (ALLOWED_RG_LOCATIONS_POLICY, "allowedResourceGroupLocationsAssignment"),
        (COSMOS_ALLOWED_LOCATIONS_POLICY, "cosmosAllowedLocationsAssignment"),
    ],
)
def test_allowed_locations_policies_are_assigned(project: BicepProject, definition: str, symbol: str) -> None:
    assignment = project.symbol(POLICY_FILE, symbol)
    assert assignment.type == "Microsoft.Authorization/policyAssignments"
    call = assignment.get("properties.policyDefinitionId")["function"]
    assert call["type"] == "tenant_resource_id"
    assert call["parameters"]["resource_type"] == "Microsoft.Authorization/policyDefinitions"
    assert project.resolve(POLICY_FILE, call["parameters"]["resource_name_1"]) == {definition}
    assert assignment.config["properties"].get("enforcementMode", "Default") == "Default"
    allowed = assignment.get("properties.parameters.listOfAllowedLocations.value")
    assert project.follow(POLICY_FILE, allowed) == ALLOWED_BY_POLICY
    assert not assignment.conditional


def test_cosmos_policy_denies_replicas_outside_switzerland(project: BicepProject) -> None:
    """The Cosmos policy takes an effect parameter (deny/audit/disabled); it must deny."""
    assignment = project.symbol(POLICY_FILE, "cosmosAllowedLocationsAssignment")
    assert set(assignment.get("properties.parameters")) == {"listOfAllowedLocations", "policyEffect"}
    assert assignment.get("properties.parameters.policyEffect.value") == "deny"
    assigned = {
        project.resolve(
            POLICY_FILE, a.get("properties.policyDefinitionId")["function"]["parameters"]["resource_name_1"]
        ).pop()
        for a in project.resources("Microsoft.Authorization/policyAssignments")
    }
    assert assigned == {
        ALLOWED_LOCATIONS_POLICY,
        ALLOWED_RG_LOCATIONS_POLICY,
        COSMOS_ALLOWED_LOCATIONS_POLICY,
    }


def test_policies_are_assigned_to_the_whole_subscription(project: BicepProject) -> None:
    assert project.files[POLICY_FILE]["globals"]["scope"]["value"] == "subscription"
    ((caller, _),) = project.module_calls(POLICY_FILE)
    assert caller == ENTRY
    module = next(m for m in project.files[ENTRY]["modules"].values() if m["detail"]["path"] == POLICY_FILE)
    assert "scope" not in module["config"], "deployed into a resource group, not the subscription"


def test_geo_copies_go_to_switzerland_west_only(project: BicepProject) -> None:
    """The paired region of Switzerland North is Switzerland West: geo-redundant options send the
    copies there, and nothing is replicated to a region chosen in the code."""
    cosmos = project.only("Microsoft.DocumentDB/databaseAccounts")
    (region,) = cosmos.get("properties.locations")
    assert project.resolve(cosmos.file, region["locationName"]) == {PRIMARY}
    assert cosmos.get("properties.backupPolicy.periodicModeProperties.backupStorageRedundancy") == "Geo"
    data = project.only("Microsoft.Storage/storageAccounts", "modules/data-storage.bicep")
    assert data.get("sku.name") == "Standard_GZRS"
    vault = project.only("Microsoft.DataProtection/backupVaults")
    assert vault.get("properties.storageSettings") == [
        {"datastoreType": "VaultStore", "type": "GeoRedundant"}
    ]
