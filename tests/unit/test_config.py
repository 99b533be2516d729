"""Settings: the three environments, production's refusals, and the documentation staying true."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared import bootstrap, config
from shared.config import SETTINGS, Environment
from shared.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]
AZURE = {
    "CASEDESK_STORE": "cosmos",
    "COSMOS_ENDPOINT": "https://example.documents.azure.com:443/",
    "CASEDESK_BLOBS": "azure",
    "BLOB_ACCOUNT_URL": "https://example.blob.core.windows.net",
    "CASEDESK_KEYS": "keyvault",
    "KEYVAULT_URL": "https://example.vault.azure.net/",
    "CASEDESK_MAIL": "acs",
    "ACS_ENDPOINT": "https://example.communication.azure.com",
    "MAIL_SENDER": "DoNotReply@example.invalid",
    "CASEDESK_QUEUE": "azure",
    "QUEUE_ACCOUNT_URL": "https://example.queue.core.windows.net",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)


def test_unset_environment_means_production() -> None:
    assert config.environment() is Environment.PRODUCTION
    assert not config.is_development()


@pytest.mark.parametrize("value", ["development", "test", "production", "Production "])
def test_each_environment_is_recognised(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CASEDESK_ENV", value)
    assert config.environment().value == value.strip().lower()


def test_an_unknown_environment_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "staging")
    with pytest.raises(ConfigurationError, match="CASEDESK_ENV must be one of development, test, production"):
        config.environment()
    assert not config.is_development()


def test_production_refuses_every_embedded_adapter_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "production")
    with pytest.raises(ConfigurationError) as caught:
        config.validate()
    message = str(caught.value)
    for name, embedded in config.EMBEDDED_ADAPTERS.items():
        assert f"{name}={embedded} is an embedded, local-only adapter and is refused in production" in message


def test_bootstrap_fails_fast_in_production_with_embedded_adapters(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "production")
    monkeypatch.setenv("CASEDESK_DATA_DIR", str(tmp_path))
    bootstrap.reset()
    with pytest.raises(ConfigurationError, match="refused in production"):
        bootstrap.ports()
    assert list(tmp_path.iterdir()) == []  # nothing was created before the refusal


def test_production_with_azure_adapters_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "production")
    for name, value in AZURE.items():
        monkeypatch.setenv(name, value)
    config.validate()


def test_production_refuses_emulator_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "production")
    for name, value in AZURE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("COSMOS_EMULATOR_KEY", "abc")
    monkeypatch.setenv("BLOB_USE_EMULATOR_KEY", "true")
    monkeypatch.setenv("QUEUE_USE_EMULATOR_KEY", "true")
    with pytest.raises(
        ConfigurationError,
        match=r"COSMOS_EMULATOR_KEY is set.*BLOB_USE_EMULATOR_KEY=true.*QUEUE_USE_EMULATOR_KEY=true",
    ):
        config.validate()


def test_an_azure_adapter_without_its_endpoint_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "development")
    monkeypatch.setenv("CASEDESK_STORE", "cosmos")
    monkeypatch.setenv("CASEDESK_MAIL", "acs")
    monkeypatch.setenv("CASEDESK_QUEUE", "azure")
    with pytest.raises(
        ConfigurationError,
        match=r"COSMOS_ENDPOINT is required.*ACS_ENDPOINT is required.*QUEUE_ACCOUNT_URL is required",
    ):
        config.validate()


def test_development_accepts_the_embedded_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "development")
    config.validate()


@pytest.mark.parametrize(
    ("name", "value"), [("CASEDESK_STORE", "mongo"), ("CASEDESK_MAX_REQUEST_BYTES", "lots")]
)
def test_bad_values_are_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "development")
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        config.validate()


def test_every_setting_is_documented_in_the_sample_and_the_readme() -> None:
    sample = json.loads((ROOT / "local.settings.sample.json").read_text())
    readme = (ROOT / "README.md").read_text()
    host_settings = {"FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage", "CasedeskQueue"}
    assert set(sample["Values"]) == set(SETTINGS) | host_settings
    assert set(sample["Descriptions"]) == set(sample["Values"])
    missing = [name for name in SETTINGS if f"`{name}`" not in readme]
    assert missing == []


def test_the_code_reads_no_setting_that_is_not_listed() -> None:
    import re

    read: set[str] = set()
    for path in [*ROOT.glob("shared/**/*.py"), *ROOT.glob("functions/*.py"), ROOT / "function_app.py"]:
        read |= set(
            re.findall(
                r"""(?:optional|required|int_setting|adapter)\(\s*"([A-Z_]+)"\s*\)""", path.read_text()
            )
        )
    assert read, "the pattern found no setting reads"
    assert read <= set(SETTINGS)


def test_the_cosmos_emulator_options_are_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**AZURE, "CASEDESK_ENV": "production", "COSMOS_EMULATOR": "cosmosdb-server"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match="COSMOS_EMULATOR is set: production talks to Azure"):
        config.validate()


@pytest.mark.parametrize(
    ("endpoint", "emulator", "problem"),
    [
        ("https://example.documents.azure.com:443/", "cosmosdb-server", "needs a loopback COSMOS_ENDPOINT"),
        ("https://127.0.0.1.example.invalid:3000", "cosmosdb-server", "needs a loopback COSMOS_ENDPOINT"),
        ("https://127.0.0.1:3000", "azure-emulator", "COSMOS_EMULATOR must be cosmosdb-server"),
    ],
)
def test_the_cosmos_emulator_options_need_the_npm_emulator_on_loopback(
    monkeypatch: pytest.MonkeyPatch, endpoint: str, emulator: str, problem: str
) -> None:
    for name, value in {
        "CASEDESK_ENV": "test",
        "CASEDESK_STORE": "cosmos",
        "COSMOS_ENDPOINT": endpoint,
        "COSMOS_EMULATOR": emulator,
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=problem):
        config.validate()


def test_the_cosmos_emulator_on_loopback_is_accepted_outside_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "CASEDESK_ENV": "development",
        "CASEDESK_STORE": "cosmos",
        "COSMOS_ENDPOINT": "https://127.0.0.1:3000",
        "COSMOS_EMULATOR": "cosmosdb-server",
    }.items():
        monkeypatch.setenv(name, value)
    config.validate()
