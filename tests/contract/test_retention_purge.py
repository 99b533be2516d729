"""The retention purge (issue 19) on the production adapters' emulators and across processes:

* fault injection — the purge made to fail at 20 random steps (our own port wrapper raising after
  N calls), rerun after each — converges every time with no orphan, on Cosmos + Azurite (the
  embedded stores: tests/unit/test_retention_purge.py);
* keys stop working everywhere: a second process holding the case key in its cache gets
  ``KeyUnavailable`` within 60 s of the purge (measured), and a fresh process cannot open a blob
  or a sealed field copied before the purge — on SQLite and on Cosmos; ``verify-audit --all``
  still passes afterwards.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.outbox import OutboxMailer
from shared.config import Environment
from shared.crypto.case_keys import MAX_CACHE_SECONDS
from shared.ports import Query
from shared.retention import purge
from tests.fakes import ManualClock
from tests.fixtures.processes import ROOT, run_module
from tests.retention_world import RetentionWorld, due_case, fault_rounds, leftovers
from tests.unit.settle import settle


def _wire(
    request: pytest.FixtureRequest, adapter: str, tmp_path: Path
) -> tuple[RetentionWorld, dict[str, Any]]:
    clock = ManualClock()
    config: dict[str, Any] = {"keys": str(tmp_path / "keys" / "kek.json"), "data": str(tmp_path)}
    if adapter == "sqlite":
        from shared.adapters.local_blob import LocalBlobStore
        from shared.adapters.sqlite import SqliteStore

        config.update(store="sqlite", sqlite=str(tmp_path / "casedesk.sqlite3"))
        store: Any = SqliteStore(Path(config["sqlite"]), clock)
        blobs: Any = LocalBlobStore(tmp_path / "blobs")
    else:
        from shared.adapters.azure_blob import AzureBlobStore, emulator_credential
        from shared.adapters.cosmos import CosmosStore
        from tests.fixtures.cosmos_server import emulator_client_kwargs

        url, key = request.getfixturevalue("cosmos_endpoint")
        database = f"purge-{uuid.uuid4().hex}"
        config.update(store="cosmos", cosmos=[url, key], database=database)
        store = CosmosStore(url, database, key, clock, **emulator_client_kwargs())
        store.ensure_containers()
        blobs = AzureBlobStore(
            request.getfixturevalue("azurite_blob_url"), f"p{uuid.uuid4().hex}", emulator_credential()
        )
        blobs.ensure_container()
    ports = bootstrap.use(
        store=store,
        blobs=blobs,
        key_ring=LocalKeyFile(Path(config["keys"])),
        mailer=OutboxMailer(tmp_path / "outbox"),
        clock=clock,
        environment=Environment.DEVELOPMENT,
    )
    return RetentionWorld.seeded(ports), config


@pytest.fixture
def cosmos_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RetentionWorld]:
    world, _ = _wire(request, "cosmos", tmp_path)
    yield world
    bootstrap.reset()


@pytest.fixture(params=["sqlite", "cosmos"])
def wired(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[RetentionWorld, dict[str, Any]]]:
    yield _wire(request, request.param, tmp_path)
    bootstrap.reset()


def test_fault_injection_at_20_random_steps_converges_on_cosmos_and_azurite(
    cosmos_world: RetentionWorld,
) -> None:
    steps = fault_rounds(cosmos_world, rounds=20)
    assert len(set(steps)) == 20


def test_a_destroyed_key_stops_working_in_another_process_within_60_seconds(
    wired: tuple[RetentionWorld, dict[str, Any]],
) -> None:
    world, config = wired
    ports = world.ports
    case_id = due_case(world)
    note = ports.store.query("cases", case_id, Query(equals={"type": "note"})).items[0]
    blob = next(iter(ports.blobs.list(f"cases/{case_id}/")))
    copied = {
        **config,
        "case": case_id,
        "field": {"id": note["id"], "name": "title", "sealed": note["titleSealed"]},
        "blob": blob,
        "blobSealed": base64.b64encode(ports.blobs.get(blob)).decode(),
    }
    with subprocess.Popen(
        [sys.executable, "-m", "tests.contract.key_worker", json.dumps({**copied, "mode": "watch"})],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as watcher:
        try:
            assert watcher.stdout is not None
            assert watcher.stdout.readline().strip() == "ready"
            destroyed = time.time()  # before the run: the measured delay can only be longer
            assert purge.run(ports).purged == 1
            answer = watcher.stdout.readline().strip()
            watcher.wait(timeout=30)
        finally:
            watcher.kill()
    assert answer.startswith("gone "), answer
    delay = float(answer.split()[1]) - destroyed
    print(f"\n[{config['store']}] a running instance stopped decrypting {delay:.1f} s after the purge")
    assert delay <= MAX_CACHE_SECONDS

    fresh = run_module("tests.contract.key_worker", json.dumps({**copied, "mode": "once"}))
    assert fresh.stdout.split("\n")[:2] == ["field KeyUnavailable", "blob KeyUnavailable"], fresh.stderr
    settle(ports)
    assert leftovers(ports, case_id) == []
    env = _cli_env(config)
    verified = run_module("shared.cli", "verify-audit", "--all", env=env)
    assert verified.returncode == 0 and verified.stdout.startswith("ok: "), verified.stdout + verified.stderr


def _cli_env(config: dict[str, Any]) -> dict[str, str]:
    """Settings that point the ops CLI at the same store (the SQLite file of the data directory,
    or the Cosmos database)."""
    base = {"CASEDESK_ENV": "test", "CASEDESK_DATA_DIR": config["data"]}
    if config["store"] == "sqlite":
        return base
    url, key = config["cosmos"]
    return {**base, "CASEDESK_STORE": "cosmos", "COSMOS_ENDPOINT": url, "COSMOS_DATABASE": config["database"],
            "COSMOS_EMULATOR_KEY": key, "COSMOS_EMULATOR": "cosmosdb-server"}  # fmt: skip
