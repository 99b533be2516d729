"""Least privilege: the app identity and the Backup vault hold only the roles they need, each
assigned on the one resource (or the one secret) it is needed for; the mail role is a custom role
with the three actions Microsoft documents for sending with an Entra token, nothing else."""

from __future__ import annotations

import re

from tests.infra import iac
from tests.infra.bicep import ENTRY, BicepProject, dotted, role_definition_guid

KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
COMMUNICATION_AND_EMAIL_SERVICE_OWNER = "09976791-48a7-449e-bb21-39d1a415f350"
# Microsoft Learn, Azure Communication Services, "Create credentials for SMTP authentication" →
# "Use a custom role to limit permissions": the role needs exactly these three operations on the
# Communication Services resource. ACS defines no data action for sending.
MAIL_SENDER_ACTIONS = [
    "Microsoft.Communication/CommunicationServices/Read",
    "Microsoft.Communication/CommunicationServices/Write",
    "Microsoft.Communication/EmailServices/write",
]

# (role, file, type of the scope it is assigned on, principal): every role assignment there is.
EXPECTED_ASSIGNMENTS = sorted(
    [
        (
            KEY_VAULT_SECRETS_USER,
            "modules/key-vault.bicep",
            "Microsoft.KeyVault/vaults/secrets",
            "appPrincipalId",
        ),
        (
            KEY_VAULT_SECRETS_USER,
            "modules/content-share.bicep",
            "Microsoft.KeyVault/vaults/secrets",
            "appPrincipalId",
        ),
        *[
            (
                "ba92f5b4-2d11-453d-a403-e96b0029c9fe",  # Storage Blob Data Contributor, on each of
                "modules/data-storage.bicep",  # the documents, the exports, the audit anchors
                "Microsoft.Storage/storageAccounts/blobServices/containers",
                "appPrincipalId",
            )
        ]
        * 3,
        (
            "974c5e8b-45b9-4653-ba55-5f855dd0fb88",  # Storage Queue Data Contributor (data account)
            "modules/data-storage.bicep",
            "Microsoft.Storage/storageAccounts",
            "appPrincipalId",
        ),
        (
            "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",  # Storage Blob Data Owner (Functions host storage)
            "modules/host-storage.bicep",
            "Microsoft.Storage/storageAccounts",
            "appPrincipalId",
        ),
        (
            "3913510d-42f4-4e42-8a64-420c390055eb",  # Monitoring Metrics Publisher
            "modules/monitoring.bicep",
            "Microsoft.Insights/components",
            "appPrincipalId",
        ),
        (
            "custom:mailSender",  # CaseDesk mail sender (custom role, below)
            "modules/email.bicep",
            "Microsoft.Communication/communicationServices",
            "appPrincipalId",
        ),
        (
            "e5e2a7ff-d759-4cd2-bb51-3152d37e2eb1",  # Storage Account Backup Contributor
            "modules/backup.bicep",
            "Microsoft.Storage/storageAccounts",
            "vault.identity.principalId",
        ),
    ]
)


def test_each_role_is_assigned_on_the_resource_it_is_for(project: BicepProject) -> None:
    found = []
    for assignment in project.resources("Microsoft.Authorization/roleAssignments"):
        scope = assignment.config.get("scope")
        assert isinstance(scope, str), f"{assignment.symbol} must be scoped to a resource, not to {scope}"
        assert assignment.get("properties.principalType") == "ServicePrincipal"
        found.append(
            (
                role_definition_guid(project, assignment),
                assignment.file,
                project.symbol(assignment.file, scope).type,
                dotted(assignment.get("properties.principalId")),
            )
        )
    assert sorted(found) == EXPECTED_ASSIGNMENTS


def test_app_reads_the_kek_secret_only_never_the_whole_vault(project: BicepProject) -> None:
    """Key Vault Secrets User on the KEK secret itself. The secret is created by an operator after
    the first provisioning, so the grant waits for kekExists (a secret that does not exist cannot be
    a scope); main.bicep passes the same name to the vault and to KEK_SECRET_NAME of the app."""
    (grant,) = [
        a
        for a in project.resources("Microsoft.Authorization/roleAssignments")
        if a.file == "modules/key-vault.bicep"
    ]
    assert role_definition_guid(project, grant) == KEY_VAULT_SECRETS_USER
    secret = project.symbol(grant.file, grant.get("scope"))
    assert secret.existing and secret.type == "Microsoft.KeyVault/vaults/secrets"
    assert project.symbol(grant.file, secret.get("parent")).type == "Microsoft.KeyVault/vaults"
    assert project.follow(grant.file, secret.get("name")) == "casedesk-kek"
    assert project.files[grant.file]["resources"][grant.symbol]["config"]["condition"] == "kekExists"
    ((_, vault_params),) = project.module_calls("modules/key-vault.bicep")
    ((_, app_params),) = project.module_calls("modules/function-app.bicep")
    assert vault_params["kekSecretName"] == app_params["kekSecretName"] == "kekSecretName"
    assert vault_params["kekExists"] == "kekExists"
    assert project.parameter(ENTRY, "kekExists")["default"] is False
    kek_setting = next(
        s
        for s in project.variable("modules/function-app.bicep", "appSettings")
        if s["name"] == "KEK_SECRET_NAME"
    )
    assert kek_setting["value"] == "kekSecretName"


def test_content_share_secret_is_read_through_its_own_grant(project: BicepProject) -> None:
    (grant,) = [
        a
        for a in project.resources("Microsoft.Authorization/roleAssignments")
        if a.file == "modules/content-share.bicep"
    ]
    assert role_definition_guid(project, grant) == KEY_VAULT_SECRETS_USER
    assert grant.get("scope") == "connectionSecret"
    ((_, params),) = project.module_calls("modules/content-share.bicep")
    assert params["appPrincipalId"] == "appPrincipalId"


def test_mail_role_is_a_custom_role_with_the_documented_send_actions_only(project: BicepProject) -> None:
    (definition,) = project.resources("Microsoft.Authorization/roleDefinitions")
    assert definition.file == "modules/email.bicep"
    assert definition.api_version == "2022-04-01"
    props = definition.get("properties")
    assert props["type"] == "CustomRole"
    (permissions,) = props["permissions"]
    assert project.follow(definition.file, permissions["actions"]) == MAIL_SENDER_ACTIONS
    assert permissions["notActions"] == permissions["dataActions"] == permissions["notDataActions"] == []
    # Assignable in this environment's resource group only, and unique in the tenant by name.
    (scope,) = props["assignableScopes"]
    assert scope["function"]["type"] == "resource_group" and scope["function"]["property_name"] == "id"
    assert "uniqueString(resourceGroup().id)" in props["roleName"]


def test_no_role_is_broader_than_its_task(project: BicepProject) -> None:
    """The built-in owner role of ACS (delete, list/regenerate keys, domains) is gone, and no role
    anywhere grants a wildcard or a role-management action."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in iac.INFRA.rglob("*.bicep"))
    assert COMMUNICATION_AND_EMAIL_SERVICE_OWNER not in text
    for definition in project.resources("Microsoft.Authorization/roleDefinitions"):
        (permissions,) = definition.get("properties.permissions")
        for action in project.follow(definition.file, permissions["actions"]):
            assert "*" not in action and not re.search(r"ListKeys|RegenerateKey|/delete$", action, re.I), (
                action
            )
            assert not action.lower().startswith("microsoft.authorization/"), action


def test_app_reads_and_writes_only_its_own_containers(project: BicepProject) -> None:
    """The documents, the daily exports (issue 26) and the audit anchors — each container on its
    own, never the account (which would reach every container, and the Backup vault's copies)."""
    grants = [
        a
        for a in project.resources("Microsoft.Authorization/roleAssignments")
        if role_definition_guid(project, a) == "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
    ]
    names = set()
    for grant in grants:
        container = project.symbol(grant.file, grant.config["scope"])
        assert container.type == "Microsoft.Storage/storageAccounts/blobServices/containers"
        names |= project.resolve(grant.file, container.get("name"))
    assert names == {"casedesk", "cosmos-exports", "audit-anchors"}
    assert len(grants) == 3


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
