"""The health function over real local adapters wired through the composition root."""

from __future__ import annotations

import json
from pathlib import Path

from functions import health
from shared import bootstrap
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.memory import MemoryStore
from shared.adapters.outbox import OutboxMailer
from shared.config import Environment
from shared.ports import Ports
from tests.fakes import ManualClock
from tests.unit.conftest import http_request


def call(language: str = "en") -> tuple[int, dict[str, object]]:
    user = health.bp._function_builders[0]._function.get_user_function()
    response = user(http_request(headers={"accept-language": language}))
    return response.status_code, json.loads(response.get_body())


def test_all_ports_answer(wired: Ports) -> None:
    status, body = call()
    assert status == 200 and body["status"] == "ok" and body["environment"] == "test"
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert set(checks) == {"store", "blobs", "keyRing", "mailer"}
    assert all(c["status"] == "ok" for c in checks.values())
    assert checks["store"]["adapter"] == "MemoryStore"


def test_a_broken_port_makes_it_503_with_the_code_only(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the blob root should be")
    clock = ManualClock()
    bootstrap.use(
        store=MemoryStore(clock),
        blobs=LocalBlobStore(blocker),
        key_ring=LocalKeyFile(tmp_path / "kek.json"),
        mailer=OutboxMailer(tmp_path / "outbox"),
        clock=clock,
        environment=Environment.PRODUCTION,
    )
    try:
        status, body = call("de")
    finally:
        bootstrap.reset()
    assert status == 503 and body["status"] == "degraded"
    assert body["message"] == "Einige Systeme funktionieren nicht"
    blobs = body["checks"]["blobs"]  # type: ignore[index]
    assert blobs == {"status": "error", "ms": blobs["ms"], "code": "backend_unavailable"}
    assert "adapter" not in body["checks"]["store"]  # type: ignore[index]  # hidden in production
    assert str(blocker) not in json.dumps(body)
