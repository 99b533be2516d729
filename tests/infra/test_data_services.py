"""Security settings of the services holding data: storage, Cosmos DB, Key Vault, monitoring."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shared.indexes import ORDERED_FIELDS
from shared.indexes import declared as declared_indexes
from shared.ports import CONTAINERS
from tests.infra import iac
from tests.infra.bicep import BicepProject, dotted

DATA_STORAGE = "modules/data-storage.bicep"
HOST_STORAGE = "modules/host-storage.bicep"
COSMOS = "modules/cosmos.bicep"
COSMOS_DATA_CONTRIBUTOR = "00000000-0000-0000-0000-000000000002"


@pytest.mark.parametrize("file", [DATA_STORAGE, HOST_STORAGE])
def test_storage_accounts_refuse_anonymous_and_old_tls(project: BicepProject, file: str) -> None:
    account = project.only("Microsoft.Storage/storageAccounts", file)
    props = account.get("properties")
    assert props["allowBlobPublicAccess"] is False
    assert props["minimumTlsVersion"] == "TLS1_2"
    assert props["supportsHttpsTrafficOnly"] is True
    assert props["allowCrossTenantReplication"] is False
    assert props["defaultToOAuthAuthentication"] is True
    for container in project.resources("Microsoft.Storage/storageAccounts/blobServices/containers"):
        if container.file == file:
            assert container.get("properties.publicAccess") == "None"


def test_app_data_storage_is_gzrs_without_shared_keys(project: BicepProject) -> None:
    account = project.only("Microsoft.Storage/storageAccounts", DATA_STORAGE)
    assert account.get("sku.name") == "Standard_GZRS"
    assert account.get("properties.allowSharedKeyAccess") is False


def test_app_data_blobs_are_versioned_soft_deleted_and_in_the_change_feed(project: BicepProject) -> None:
    blobs = project.only("Microsoft.Storage/storageAccounts/blobServices", DATA_STORAGE)
    props = blobs.get("properties")
    assert props["isVersioningEnabled"] is True
    assert props["changeFeed"]["enabled"] is True
    assert props["deleteRetentionPolicy"]["enabled"] is True
    assert props["containerDeleteRetentionPolicy"]["enabled"] is True
    (days,) = project.resolve(DATA_STORAGE, props["deleteRetentionPolicy"]["days"])
    assert days >= 7


def test_functions_host_has_its_own_account(project: BicepProject) -> None:
    host = project.only("Microsoft.Storage/storageAccounts", HOST_STORAGE)
    data = project.only("Microsoft.Storage/storageAccounts", DATA_STORAGE)
    ((_, host_params),) = project.module_calls(HOST_STORAGE)
    ((_, data_params),) = project.module_calls(DATA_STORAGE)
    assert host_params["name"] != data_params["name"]
    assert data.get("properties.allowSharedKeyAccess") is False
    # Shared keys only where Azure Files forces them (Elastic Premium), never on Flex Consumption.
    assert host.get("properties.allowSharedKeyAccess") == {
        "operator": {"type": "not", "operands": {"bool_value": "isFlex"}}
    }
    assert project.variable(HOST_STORAGE, "isFlex") == {
        "operator": {
            "type": "equals",
            "operands": {"operand_1": "hostingPlan", "operand_2": "FlexConsumption"},
        }
    }


def test_cosmos_account_accepts_identities_only(project: BicepProject) -> None:
    account = project.only("Microsoft.DocumentDB/databaseAccounts")
    props = account.get("properties")
    assert props["disableLocalAuth"] is True
    assert props["disableKeyBasedMetadataWriteAccess"] is True
    assert props["minimalTlsVersion"] == "Tls12"


def test_cosmos_periodic_backup_is_geo_redundant(project: BicepProject) -> None:
    backup = project.only("Microsoft.DocumentDB/databaseAccounts").get("properties.backupPolicy")
    assert backup["type"] == "Periodic"
    periodic = backup["periodicModeProperties"]
    assert periodic["backupStorageRedundancy"] == "Geo"
    assert 0 < periodic["backupIntervalInMinutes"] <= 24 * 60
    assert periodic["backupRetentionIntervalInHours"] == 720  # the maximum: 30 days


def test_cosmos_containers_match_the_store_port(project: BicepProject) -> None:
    containers = project.only("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
    assert containers.looped
    loop = project.files[COSMOS]["resources"][containers.symbol]["config"]["loop_type"]["detail"]
    declared = project.variable(COSMOS, loop["array_name"])
    assert {c["name"]: c["partitionKey"] for c in declared} == {n: f"/{pk}" for n, pk in CONTAINERS.items()}
    resource = containers.get("properties.resource")
    assert resource["partitionKey"]["kind"] == "Hash"
    # TTL on, no default: only items carrying their own `ttl` expire (shared/adapters/cosmos.py).
    assert resource["defaultTtl"] == {"operator": {"type": "minus", "operands": {"integer_value": 1}}}


def test_cosmos_composite_indexes_match_the_code(project: BicepProject) -> None:
    """Every ordered query needs its composite index (field, id) in Azure — the emulator of the
    tests refuses it too, but only the infrastructure creates Azure's containers. The Bicep
    declaration equals shared/indexes.py, which the adapter's container setup uses and the list
    cost test checks every ordered query of the lists against (tests/unit/test_list_cost.py)."""
    containers = project.only("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
    loop = project.files[COSMOS]["resources"][containers.symbol]["config"]["loop_type"]["detail"]
    declared = project.variable(COSMOS, loop["array_name"])
    # Plus (partition key, id) per container: the order of Store.scan_page (the backup export).
    assert {c["name"]: c["compositeIndexes"] for c in declared} == declared_indexes()
    policy = containers.get("properties.resource.indexingPolicy")
    assert dotted(policy["compositeIndexes"]) == f"{loop['item_name']}.compositeIndexes"
    assert policy["includedPaths"] == [{"path": "/*"}]  # everything else indexed, as the default


def test_every_ordered_query_in_the_code_has_its_composite_index() -> None:
    """A scan of the code: each ``order_by="<field>"`` other than id names a field that
    shared/indexes.py declares for some container (the list cost test checks the container)."""
    fields: set[str] = set()
    for path in [*Path("shared").rglob("*.py"), *Path("functions").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "order_by":
                assert isinstance(node.value, ast.Constant), f"{path}: order_by must be a literal"
                fields.add(str(node.value.value))
    declared = {field for group in ORDERED_FIELDS.values() for field in group}
    assert fields - {"id"} <= declared, fields - {"id"} - declared
    assert declared <= fields, f"declared but never ordered by: {declared - fields}"


def test_app_is_data_contributor_on_the_database_only(project: BicepProject) -> None:
    (assignment,) = project.resources("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments")
    props = assignment.get("properties")
    assert props["roleDefinitionId"] == "${account.id}/sqlRoleDefinitions/${dataContributor}"
    assert project.resolve(COSMOS, "dataContributor") == {COSMOS_DATA_CONTRIBUTOR}
    assert props["scope"] == "${account.id}/dbs/${databaseName}"
    assert props["principalId"] == "appPrincipalId"


def test_key_vault_uses_rbac_soft_delete_and_purge_protection(project: BicepProject) -> None:
    props = project.only("Microsoft.KeyVault/vaults").get("properties")
    assert props["enableRbacAuthorization"] is True
    assert props["enableSoftDelete"] is True
    assert props["softDeleteRetentionInDays"] == 90
    assert props["enablePurgeProtection"] is True
    assert "accessPolicies" not in props


def test_key_vault_audit_log_goes_to_log_analytics(project: BicepProject) -> None:
    (setting,) = [
        s
        for s in project.resources("Microsoft.Insights/diagnosticSettings")
        if project.symbol(s.file, s.get("scope")).type == "Microsoft.KeyVault/vaults"
    ]
    assert setting.get("properties.logs") == [{"categoryGroup": "audit", "enabled": True}]


@pytest.mark.parametrize(
    ("type_", "flag"),
    [
        ("Microsoft.Insights/components", "properties.DisableLocalAuth"),
        ("Microsoft.OperationalInsights/workspaces", "properties.features.disableLocalAuth"),
    ],
)
def test_monitoring_refuses_key_auth(project: BicepProject, type_: str, flag: str) -> None:
    assert project.only(type_).get(flag) is True


def test_app_queues_live_in_the_data_account(project: BicepProject) -> None:
    queues = project.only("Microsoft.Storage/storageAccounts/queueServices/queues")
    assert queues.file == DATA_STORAGE and queues.looped
    service = project.symbol(DATA_STORAGE, queues.get("parent"))
    assert service.type == "Microsoft.Storage/storageAccounts/queueServices"
    assert project.symbol(DATA_STORAGE, service.get("parent")).type == "Microsoft.Storage/storageAccounts"
    loop = project.files[DATA_STORAGE]["resources"][queues.symbol]["config"]["loop_type"]["detail"]
    assert loop["array_name"] == "queueNames"


def test_every_queue_the_app_listens_to_is_created_by_the_infrastructure(project: BicepProject) -> None:
    """In production the app creates no queue (shared/bootstrap.py): each queue trigger's queue
    must be in queueNames, and be a valid queue name with room for its -poison queue."""
    from azure.functions.decorators.queue import QueueTrigger

    import function_app
    from shared.adapters.queue_names import poison_queue

    declared = project.parameter(DATA_STORAGE, "queueNames")["default"]
    for name in declared:
        poison_queue(name)  # InvalidInput if the name (or its -poison queue) breaks Azure's rules
    function_app.app.functions_bindings = None  # get_functions() may be called once per app
    listened = {
        str(fn.get_trigger().queue_name)
        for fn in function_app.app.get_functions()
        if isinstance(fn.get_trigger(), QueueTrigger)
    }
    assert listened <= set(declared)


# Stable Microsoft.Communication API versions whose communicationServices schema has
# disableLocalAuth (azure-rest-api-specs, Communication/stable/2025-05-01/CommunicationServices.json;
# 2023-04-01, used before, has no such property). Add a newer version only after checking its schema.
ACS_VERSIONS_WITH_DISABLE_LOCAL_AUTH = {"2025-05-01"}


def test_communication_services_accept_entra_tokens_only(project: BicepProject) -> None:
    acs = project.only("Microsoft.Communication/communicationServices")
    assert acs.api_version in ACS_VERSIONS_WITH_DISABLE_LOCAL_AUTH
    assert acs.get("properties.disableLocalAuth") is True
    # The app reaches it with ACS_ENDPOINT and its managed identity, never a connection string.
    text = (iac.INFRA / "modules" / "email.bicep").read_text(encoding="utf-8")
    assert "listKeys" not in text and "ConnectionString" not in text
