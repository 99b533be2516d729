"""The composition root wires what the settings name — and builds no client until first use."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared import bootstrap
from shared.adapters.acs_mail import AcsMailer
from shared.adapters.azure_blob import AzureBlobStore
from shared.adapters.azure_queue import AzureStorageQueue
from shared.adapters.cosmos import CosmosStore
from shared.adapters.keyvault import KeyVaultKeyRing
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.local_queue import LocalQueue
from shared.adapters.memory_queue import MemoryQueue
from shared.adapters.metered import MeteredStore
from shared.adapters.outbox import OutboxMailer
from shared.adapters.sqlite import SqliteStore
from shared.config import SETTINGS, Environment
from tests.unit.test_config import AZURE


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    bootstrap.reset()
    yield
    bootstrap.reset()


def test_development_wires_the_embedded_adapters_under_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "development")
    monkeypatch.setenv("CASEDESK_DATA_DIR", str(tmp_path))
    ports = bootstrap.ports()
    assert ports.environment is Environment.DEVELOPMENT
    assert (
        isinstance(ports.store, MeteredStore)
        and isinstance(ports.store.inner, SqliteStore)
        and isinstance(ports.blobs, LocalBlobStore)
    )
    assert isinstance(ports.key_ring, LocalKeyFile) and isinstance(ports.mailer, OutboxMailer)
    assert isinstance(ports.queue, LocalQueue)
    assert bootstrap.ports() is ports  # built once per process
    ports.case_keys.create("case-1")
    assert (
        ports.cipher.decrypt_field(
            "case-1", "c", "i", "f", ports.cipher.encrypt_field("case-1", "c", "i", "f", "x")
        )
        == "x"
    )
    assert (tmp_path / "casedesk.sqlite3").exists() and (tmp_path / "keys" / "kek.json").exists()


def test_production_wires_the_azure_adapters_with_one_managed_identity_and_no_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "production")
    for name, value in AZURE.items():
        monkeypatch.setenv(name, value)

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("wiring must not open connections")

    monkeypatch.setattr(socket.socket, "connect", no_network)  # a guard on the stdlib, not our code
    ports = bootstrap.ports()
    assert (
        isinstance(ports.store, MeteredStore)
        and isinstance(ports.store.inner, CosmosStore)
        and isinstance(ports.blobs, AzureBlobStore)
    )
    assert isinstance(ports.key_ring, KeyVaultKeyRing) and isinstance(ports.mailer, AcsMailer)
    assert isinstance(ports.queue, AzureStorageQueue)
    assert ports.queue._credential is bootstrap._credential()  # managed identity, no key
    assert ports.queue._create_missing is False  # in Azure the infrastructure creates queues
    assert ports.environment is Environment.PRODUCTION
    assert bootstrap._credential() is bootstrap._credential()  # one shared credential


def test_the_local_queue_lives_in_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "development")
    monkeypatch.setenv("CASEDESK_DATA_DIR", str(tmp_path))
    queue = bootstrap.ports().queue
    queue.send("mail", "{}")
    assert (tmp_path / "queues.sqlite3").exists()
    assert [m.body for m in queue.receive("mail")] == ["{}"]


def test_the_emulator_queue_is_created_on_demand_outside_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "test")
    monkeypatch.setenv("CASEDESK_QUEUE", "azure")
    monkeypatch.setenv("QUEUE_ACCOUNT_URL", "http://127.0.0.1:10001/devstoreaccount1")
    monkeypatch.setenv("QUEUE_USE_EMULATOR_KEY", "true")
    queue = bootstrap.ports().queue
    assert isinstance(queue, AzureStorageQueue)
    assert queue._create_missing is True
    assert queue._credential.named_key.name == "devstoreaccount1"


def test_use_without_a_queue_wires_an_in_memory_one(tmp_path: Path) -> None:
    from tests.unit.conftest import wire

    ports = wire(tmp_path)
    assert isinstance(ports.queue, MemoryQueue)
    ports.queue.send("mail", "x")
    assert [m.body for m in ports.queue.receive("mail")] == ["x"]


def test_importing_the_queue_adapters_loads_no_azure_sdk() -> None:
    """Cold start: the SDK is imported on first use, not with the adapter module."""
    import subprocess
    import sys

    code = (
        "import sys, shared.adapters.azure_queue, shared.adapters.local_queue, shared.adapters.memory_queue;"
        "print([m for m in sys.modules if m.startswith(('azure.storage', 'azure.core'))])"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert result.stdout.strip() == "[]"
