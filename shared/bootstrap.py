"""The composition root: builds the ports once per process, lazily, from the settings.

Functions call :func:`ports()` inside a request, never at import time. Tests call
:func:`use` with fakes (and :func:`reset` afterwards) instead of patching anything.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from shared import config, telemetry
from shared.adapters.metered import MeteredStore
from shared.clock import SystemClock
from shared.config import Environment
from shared.crypto.case_keys import CaseCipher, CaseKeys
from shared.log import quiet_azure_sdk
from shared.ports import BlobStore, Clock, KeyRing, Mailer, Ports, Store, TaskQueue

# Ports is declared in shared.ports; re-exported here until every service imports it from there.
__all__ = ["Ports", "blob_container", "ports", "reset", "use", "use_blob_container"]


_lock = threading.Lock()
_ports: Ports | None = None


def ports() -> Ports:
    global _ports  # noqa: PLW0603 - the one process-wide cache of the composition root
    if _ports is None:
        with _lock:
            if _ports is None:
                _ports = _build()
    return _ports


def use(
    *,
    store: Store,
    blobs: BlobStore,
    key_ring: KeyRing,
    mailer: Mailer,
    clock: Clock,
    environment: Environment = Environment.TEST,
    queue: TaskQueue | None = None,
) -> Ports:
    """Wire the given adapters (fakes in tests) instead of the configured ones. Without a
    ``queue``, an in-memory one (on ``clock``) is used."""
    global _ports  # noqa: PLW0603
    case_keys = CaseKeys(store, key_ring, clock)
    if queue is None:
        from shared.adapters.memory_queue import MemoryQueue

        queue = MemoryQueue(clock)
    with _lock:
        _ports = Ports(
            environment, store, blobs, key_ring, mailer, clock, case_keys, CaseCipher(case_keys), queue
        )
    return _ports


def reset() -> None:
    global _ports  # noqa: PLW0603
    with _lock:
        _ports = None
        _side_blobs.clear()
    _credential.cache_clear()


def _build() -> Ports:
    config.validate()  # production refuses embedded adapters before anything is built
    quiet_azure_sdk()
    telemetry.configure()  # timers and queue triggers too, not only HTTP (only with its setting)
    env = config.environment()
    clock = SystemClock()
    store = MeteredStore(_store(clock, env))  # counts store calls per request for the log
    key_ring = _key_ring()
    case_keys = CaseKeys(store, key_ring, clock)
    return Ports(
        env, store, _blobs(env), key_ring, _mailer(), clock, case_keys, CaseCipher(case_keys), _queue(env)
    )


@functools.cache
def _credential() -> Any:
    """One credential for every Azure adapter (it caches tokens). In Azure it resolves to the
    user-assigned managed identity named by ``AZURE_CLIENT_ID``. Imported here: azure-identity is
    heavy and only needed when an Azure adapter is chosen."""
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


def _store(clock: Clock, env: Environment) -> Store:
    if config.adapter("CASEDESK_STORE") == "sqlite":
        from shared.adapters.sqlite import SqliteStore

        return SqliteStore(config.data_dir() / "casedesk.sqlite3", clock)
    from shared.adapters.cosmos import CosmosStore

    key = config.optional("COSMOS_EMULATOR_KEY")
    options: dict[str, Any] = {}
    if config.optional("COSMOS_EMULATOR"):  # validate() allows it outside production, on loopback
        from shared.adapters.cosmos_emulator import emulator_client_kwargs

        options = emulator_client_kwargs()
    store = CosmosStore(
        config.required("COSMOS_ENDPOINT"),
        config.required("COSMOS_DATABASE"),
        key or _credential(),
        clock,
        **options,
    )
    if env is not Environment.PRODUCTION:
        store.ensure_containers()  # in Azure the infrastructure creates them
    return store


def _blobs(env: Environment) -> BlobStore:
    if config.adapter("CASEDESK_BLOBS") == "local":
        from shared.adapters.local_blob import LocalBlobStore

        return LocalBlobStore(config.data_dir() / "blobs")
    from shared.adapters.azure_blob import AzureBlobStore, emulator_credential

    emulator = config.optional("BLOB_USE_EMULATOR_KEY") == "true"
    blobs = AzureBlobStore(
        config.required("BLOB_ACCOUNT_URL"),
        config.required("BLOB_CONTAINER"),
        emulator_credential() if emulator else _credential(),
    )
    if env is not Environment.PRODUCTION:
        blobs.ensure_container()
    return blobs


_side_blobs: dict[str, BlobStore] = {}


def blob_container(setting: str) -> BlobStore:
    """The blob store of a container other than the documents' (``BACKUP_EXPORT_CONTAINER``,
    ``AUDIT_ANCHOR_CONTAINER``), on the same adapter and account; built once per process.
    Timers and the ops CLI only: requests never touch these."""
    with _lock:
        found = _side_blobs.get(setting)
    if found is not None:
        return found
    name = config.required(setting)
    if config.adapter("CASEDESK_BLOBS") == "local":
        from shared.adapters.local_blob import LocalBlobStore

        blobs: BlobStore = LocalBlobStore(config.data_dir() / name)
    else:
        from shared.adapters.azure_blob import AzureBlobStore, emulator_credential

        emulator = config.optional("BLOB_USE_EMULATOR_KEY") == "true"
        azure = AzureBlobStore(
            config.required("BLOB_ACCOUNT_URL"), name, emulator_credential() if emulator else _credential()
        )
        if config.environment() is not Environment.PRODUCTION:
            azure.ensure_container()  # in Azure the infrastructure creates it (immutable)
        blobs = azure
    with _lock:
        return _side_blobs.setdefault(setting, blobs)


def use_blob_container(setting: str, blobs: BlobStore) -> None:
    """Tests: the blob store :func:`blob_container` gives for ``setting`` (until :func:`reset`)."""
    with _lock:
        _side_blobs[setting] = blobs


def _key_ring() -> KeyRing:
    if config.adapter("CASEDESK_KEYS") == "local":
        from shared.adapters.local_keys import LocalKeyFile

        return LocalKeyFile(config.data_dir() / "keys" / "kek.json")
    from shared.adapters.keyvault import KeyVaultKeyRing

    return KeyVaultKeyRing(config.required("KEYVAULT_URL"), config.required("KEK_SECRET_NAME"), _credential())


def _mailer() -> Mailer:
    if config.adapter("CASEDESK_MAIL") == "outbox":
        from shared.adapters.outbox import OutboxMailer

        return OutboxMailer(config.data_dir() / "outbox")
    from shared.adapters.acs_mail import AcsMailer

    return AcsMailer(config.required("ACS_ENDPOINT"), config.required("MAIL_SENDER"), _credential())


def _queue(env: Environment) -> TaskQueue:
    if config.adapter("CASEDESK_QUEUE") == "local":
        from shared.adapters.local_queue import LocalQueue

        return LocalQueue(config.data_dir() / "queues.sqlite3")
    from shared.adapters.azure_queue import AzureStorageQueue

    if config.optional("QUEUE_USE_EMULATOR_KEY") == "true":
        from shared.adapters.azure_blob import emulator_credential  # the one Azurite key

        credential = emulator_credential()
    else:
        credential = _credential()
    # In Azure the infrastructure creates the queues; elsewhere a send creates a missing one.
    return AzureStorageQueue(
        config.required("QUEUE_ACCOUNT_URL"), credential, create_missing=env is not Environment.PRODUCTION
    )
