"""The Function App: hardened site settings, and app settings that hold no secret and are exactly
the production configuration shared/config.py accepts."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from shared import config
from tests.infra.bicep import ENTRY, BicepProject, Resource, Unresolved, dotted

FUNCTION_APP = "modules/function-app.bicep"
# Settings read by the Functions host / platform rather than by shared/config.py.
HOST_SETTINGS = {
    "AzureWebJobsStorage__accountName",
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__clientId",
    "CasedeskQueue__queueServiceUri",
    "CasedeskQueue__credential",
    "CasedeskQueue__clientId",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    "FUNCTIONS_EXTENSION_VERSION",
    "FUNCTIONS_WORKER_RUNTIME",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    "WEBSITE_CONTENTSHARE",
    "WEBSITE_SKIP_CONTENTSHARE_VALIDATION",
    "SCM_DO_BUILD_DURING_DEPLOYMENT",
    "ENABLE_ORYX_BUILD",
}
KEY_VAULT_REFERENCE = re.compile(r"^@Microsoft\.KeyVault\(SecretUri=\$\{[A-Za-z]+\}\)$")
# What a secret looks like when it leaks into configuration.
SECRET_SHAPES = re.compile(
    r"AccountKey=|SharedAccessKey|SharedAccessSignature|[?&]sig=|Password=|-----BEGIN|listKeys|"
    r"listConnectionStrings|listAccountSas|listServiceSas|primaryMasterKey|primaryKey",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def site(project: BicepProject) -> Resource:
    return project.only("Microsoft.Web/sites")


@pytest.fixture(scope="module")
def settings(project: BicepProject, site: Resource) -> dict[str, dict[str, Any]]:
    """Setting name → {"value": expr, "plans": {...}} from the variables the site concatenates."""
    call = site.get("properties.siteConfig.appSettings")["function"]
    assert call["type"] == "concat"
    common, premium_only = call["parameters"]["arg_1"], call["parameters"]["arg_2"]["operator"]
    assert premium_only["type"] == "conditional"
    assert premium_only["operands"] == {
        "condition": "isFlex",
        "true_value": [],
        "false_value": "premiumSettings",
    }
    found: dict[str, dict[str, Any]] = {}
    for variable, plans in (
        (common, {"FlexConsumption", "ElasticPremium"}),
        ("premiumSettings", {"ElasticPremium"}),
    ):
        for entry in project.variable(FUNCTION_APP, variable):
            assert entry["name"] not in found, f"{entry['name']} set twice"
            found[entry["name"]] = {"value": entry["value"], "plans": plans}
    return found


def test_hosting_plan_is_a_parameter_with_flex_and_premium(project: BicepProject) -> None:
    assert project.decorator(ENTRY, "hostingPlan", "allowed") == ["FlexConsumption", "ElasticPremium"]
    assert project.variable(FUNCTION_APP, "flexSku") == {"name": "FC1", "tier": "FlexConsumption"}
    assert project.variable(FUNCTION_APP, "premiumSku") == {"name": "EP1", "tier": "ElasticPremium"}
    plan = project.only("Microsoft.Web/serverfarms")
    assert plan.get("properties.reserved") is True  # Linux
    assert plan.get("sku")["operator"]["operands"] == {
        "condition": "isFlex",
        "true_value": "flexSku",
        "false_value": "premiumSku",
    }


def test_runtime_is_python_on_both_plans(project: BicepProject, site: Resource) -> None:
    flex = project.variable(FUNCTION_APP, "flexConfig")
    assert flex["runtime"]["name"] == "python"
    assert flex["deployment"]["storage"]["authentication"]["type"] == "UserAssignedIdentity"
    linux_fx = site.get("properties.siteConfig.linuxFxVersion")["operator"]["operands"]
    assert linux_fx["false_value"].startswith("Python|")
    assert project.resolve(FUNCTION_APP, "pythonVersion") == {"3.11"}


def test_site_is_hardened(site: Resource) -> None:
    props = site.get("properties")
    assert site.get("identity.type") == "UserAssigned"
    assert props["httpsOnly"] is True
    assert props["keyVaultReferenceIdentity"] == "identityId"
    config_ = props["siteConfig"]
    assert config_["minTlsVersion"] == "1.2"
    assert config_["scmMinTlsVersion"] == "1.2"
    assert config_["ftpsState"] == "Disabled"
    assert config_["remoteDebuggingEnabled"] is False
    assert config_["http20Enabled"] is True
    assert "*" not in config_["cors"]["allowedOrigins"]
    assert config_["cors"].get("supportCredentials") is False


def test_ftp_and_basic_auth_publishing_are_off(project: BicepProject) -> None:
    policies = project.resources("Microsoft.Web/sites/basicPublishingCredentialsPolicies")
    assert {p.get("name"): p.get("properties.allow") for p in policies} == {"ftp": False, "scm": False}


def test_site_is_tagged_for_azd(site: Resource) -> None:
    tags = site.get("tags")["function"]
    assert tags["type"] == "union"
    assert tags["parameters"]["arg_2"] == {"'azd-service-name'": "api"}


def test_every_setting_is_known(settings: dict[str, dict[str, Any]]) -> None:
    unknown = set(settings) - set(config.SETTINGS) - HOST_SETTINGS
    assert unknown == set(), "add them to shared/config.py (app) or HOST_SETTINGS (platform)"


def test_no_setting_holds_a_secret(project: BicepProject, settings: dict[str, dict[str, Any]]) -> None:
    for name, setting in settings.items():
        value = setting["value"]
        text = json.dumps(value)
        assert not SECRET_SHAPES.search(text), f"{name} = {text}"
        if name == "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING":
            assert KEY_VAULT_REFERENCE.match(value), value
        # Follow parameters back to main.bicep: what flows in must not be a secret either.
        for caller, params in project.module_calls(FUNCTION_APP):
            if isinstance(value, str) and value in params:
                assert not SECRET_SHAPES.search(json.dumps(params[value])), f"{name} from {caller}"
    assert not any(
        d["type"] == "secure"
        for p in project.files[FUNCTION_APP]["parameters"].values()
        for d in p["decorators"]
    )


def test_list_keys_is_used_only_to_fill_a_key_vault_secret(project: BicepProject) -> None:
    secrets = {
        (r.file, r.symbol) for r in project.resources() if r.type == "Microsoft.KeyVault/vaults/secrets"
    }
    for file, path, node in project.walk():
        if isinstance(node, str) and SECRET_SHAPES.search(node):
            symbol = path.split(".")[1] if path.startswith("resources.") else None
            assert (file, symbol) in secrets and path.endswith(".properties.value"), f"{file}: {path}"


def test_outputs_carry_no_secret(project: BicepProject) -> None:
    for file, doc in project.files.items():
        for name, output in doc.get("outputs", {}).items():
            assert not SECRET_SHAPES.search(json.dumps(output)), f"{file}: output {name}"


def test_settings_are_a_valid_production_configuration(
    project: BicepProject, settings: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Feed the deployed settings to shared/config.py: it must accept them as production (no
    embedded adapter, every endpoint the chosen adapters need)."""
    for name in config.SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, setting in settings.items():
        if name in config.SETTINGS:
            # Literals as deployed; values known only at deploy time (endpoints) as stand-ins.
            values = project.resolve(FUNCTION_APP, setting["value"])
            value = next(iter(values)) if len(values) == 1 else None
            if not isinstance(value, str) or isinstance(value, Unresolved) or "${" in value:
                value = f"https://{name.lower()}.example.ch"
            monkeypatch.setenv(name, value)
    config.validate()
    assert config.environment() is config.Environment.PRODUCTION
    assert {name: config.adapter(name) for name in config.EMBEDDED_ADAPTERS} == {
        "CASEDESK_STORE": "cosmos",
        "CASEDESK_BLOBS": "azure",
        "CASEDESK_KEYS": "keyvault",
        "CASEDESK_MAIL": "acs",
        "CASEDESK_QUEUE": "azure",
    }
    assert "COSMOS_EMULATOR_KEY" not in settings
    assert "BLOB_USE_EMULATOR_KEY" not in settings
    assert "QUEUE_USE_EMULATOR_KEY" not in settings


def test_queue_trigger_connection_is_identity_based_on_the_data_account(
    project: BicepProject, settings: dict[str, dict[str, Any]]
) -> None:
    """connection="CasedeskQueue" of the queue triggers: the host reads CasedeskQueue__* and
    authenticates as the app identity; the SDK (QUEUE_ACCOUNT_URL) talks to the same service."""
    assert settings["CasedeskQueue__queueServiceUri"]["value"] == "queueAccountUrl"
    assert settings["QUEUE_ACCOUNT_URL"]["value"] == "queueAccountUrl"
    assert settings["CasedeskQueue__credential"]["value"] == "managedidentity"
    assert settings["CasedeskQueue__clientId"]["value"] == "identityClientId"
    assert "CasedeskQueue" not in settings  # no connection string, hence no key
    for name in ("CasedeskQueue__queueServiceUri", "QUEUE_ACCOUNT_URL"):
        assert settings[name]["plans"] == {"FlexConsumption", "ElasticPremium"}
    ((_, params),) = project.module_calls(FUNCTION_APP)
    assert dotted(params["queueAccountUrl"]) == "dataStorage.outputs.queueEndpoint"
    output = project.files["modules/data-storage.bicep"]["outputs"]["queueEndpoint"]["value"]
    assert dotted(output) == "account.properties.primaryEndpoints.queue"


def test_every_queue_trigger_of_the_app_has_its_connection_settings(
    settings: dict[str, dict[str, Any]],
) -> None:
    from azure.functions.decorators.queue import QueueTrigger

    import function_app

    function_app.app.functions_bindings = None  # get_functions() may be called once per app
    connections = {
        str(fn.get_trigger().connection)
        for fn in function_app.app.get_functions()
        if isinstance(fn.get_trigger(), QueueTrigger)
    }
    for connection in connections:
        assert {
            f"{connection}__queueServiceUri",
            f"{connection}__credential",
            f"{connection}__clientId",
        } <= set(settings), connection


def test_flex_consumption_gets_no_settings_it_rejects(settings: dict[str, dict[str, Any]]) -> None:
    flex_rejects = {"FUNCTIONS_EXTENSION_VERSION", "FUNCTIONS_WORKER_RUNTIME", "WEBSITE_CONTENTSHARE"}
    for name in flex_rejects | {"WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"}:
        assert settings[name]["plans"] == {"ElasticPremium"}, name
