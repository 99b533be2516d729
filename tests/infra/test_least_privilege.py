"""Least privilege: the app identity and the Backup vault hold only the built-in roles they need,
each assigned on the one resource it is needed for."""

from __future__ import annotations

from tests.infra.bicep import BicepProject, dotted, role_definition_guid

# Built-in role id → (role, the only resource type it may be assigned on, the principal).
EXPECTED_ROLES = {
    "4633458b-17de-408a-b874-0445c86b69e6": (
        "Key Vault Secrets User",
        "Microsoft.KeyVault/vaults",
        "appPrincipalId",
    ),
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": (
        "Storage Blob Data Contributor",
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        "appPrincipalId",
    ),
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": (
        "Storage Queue Data Contributor (app data account)",
        "Microsoft.Storage/storageAccounts",
        "appPrincipalId",
    ),
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": (
        "Storage Blob Data Owner (Functions host storage)",
        "Microsoft.Storage/storageAccounts",
        "appPrincipalId",
    ),
    "3913510d-42f4-4e42-8a64-420c390055eb": (
        "Monitoring Metrics Publisher",
        "Microsoft.Insights/components",
        "appPrincipalId",
    ),
    "09976791-48a7-449e-bb21-39d1a415f350": (
        "Communication and Email Service Owner",
        "Microsoft.Communication/communicationServices",
        "appPrincipalId",
    ),
    "e5e2a7ff-d759-4cd2-bb51-3152d37e2eb1": (
        "Storage Account Backup Contributor",
        "Microsoft.Storage/storageAccounts",
        "vault.identity.principalId",
    ),
}


def test_each_role_is_assigned_once_on_the_resource_it_is_for(project: BicepProject) -> None:
    assignments = project.resources("Microsoft.Authorization/roleAssignments")
    seen = []
    for assignment in assignments:
        role = role_definition_guid(project, assignment)
        assert role in EXPECTED_ROLES, f"{assignment.file}:{assignment.symbol} assigns unexpected role {role}"
        name, scope_type, principal = EXPECTED_ROLES[role]
        scope = assignment.config.get("scope")
        assert isinstance(scope, str), f"{name} must be scoped to a resource, not to {scope}"
        assert project.symbol(assignment.file, scope).type == scope_type, name
        assert dotted(assignment.get("properties.principalId")) == principal, name
        assert assignment.get("properties.principalType") == "ServicePrincipal"
        seen.append(role)
    assert sorted(seen) == sorted(EXPECTED_ROLES)


def test_app_reads_and_writes_only_its_documents_container(project: BicepProject) -> None:
    (grant,) = [
        a
        for a in project.resources("Microsoft.Authorization/roleAssignments")
        if role_definition_guid(project, a) == "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
    ]
    container = project.symbol(grant.file, grant.config["scope"])
    assert project.resolve(grant.file, container.get("name")) == {"casedesk"}


def test_functions_host_role_is_on_the_host_account(project: BicepProject) -> None:
    (grant,) = [
        a
        for a in project.resources("Microsoft.Authorization/roleAssignments")
        if role_definition_guid(project, a) == "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
    ]
    assert grant.file == "modules/host-storage.bicep"


def test_queue_role_is_on_the_data_account(project: BicepProject) -> None:
    """The queue triggers and the TaskQueue adapter use the app data account's queues; the
    Functions host account (AzureWebJobsStorage) gets no queue role from us."""
    (grant,) = [
        a
        for a in project.resources("Microsoft.Authorization/roleAssignments")
        if role_definition_guid(project, a) == "974c5e8b-45b9-4653-ba55-5f855dd0fb88"
    ]
    assert grant.file == "modules/data-storage.bicep"
    assert project.symbol(grant.file, grant.config["scope"]).symbol == "account"
