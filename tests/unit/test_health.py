"""The health functions over real local adapters wired through the composition root: liveness
touches no port; readiness checks store, blobs and mail, caches its answer and never reads the KEK."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from functions import health, timers
from shared import bootstrap, key_ring_check
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.memory import MemoryStore
from shared.adapters.outbox import OutboxMailer
from shared.config import Environment
from shared.errors import BackendUnavailable
from shared.ports import Ports
from tests.fakes import ManualClock
from tests.unit.conftest import http_request


class CountingKeyRing(LocalKeyFile):
    """The local key file, counting every time the KEK is read or checked."""

    reads = 0

    def check(self) -> None:
        CountingKeyRing.reads += 1
        super().check()

    def current(self):  # type: ignore[no-untyped-def]
        CountingKeyRing.reads += 1
        return super().current()


class CountingStore(MemoryStore):
    checks = 0

    def check(self) -> None:
        CountingStore.checks += 1
        super().check()


def call(name: str, language: str = "en") -> tuple[int, dict[str, object]]:
    builder = next(b for b in health.bp._function_builders if b._function.get_function_name() == name)
    response = builder._function.get_user_function()(http_request(headers={"accept-language": language}))
    return response.status_code, json.loads(response.get_body())


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    health.forget()
    yield
    health.forget()


@pytest.fixture
def counted(tmp_path: Path) -> Iterator[None]:
    clock = ManualClock()
    CountingKeyRing.reads = CountingStore.checks = 0
    bootstrap.use(
        store=CountingStore(clock),
        blobs=LocalBlobStore(tmp_path / "blobs"),
        key_ring=CountingKeyRing(tmp_path / "kek.json"),
        mailer=OutboxMailer(tmp_path / "outbox"),
        clock=clock,
        environment=Environment.TEST,
    )
    try:
        yield
    finally:
        bootstrap.reset()


def test_liveness_touches_no_port(counted: None) -> None:
    for name in ("health", "health_live"):
        assert call(name) == (200, {"status": "ok"})
    assert CountingStore.checks == 0 and CountingKeyRing.reads == 0


def test_readiness_checks_store_blobs_and_mail_but_never_the_kek(wired: Ports) -> None:
    status, body = call("health_ready")
    assert status == 200 and body["status"] == "ok" and body["environment"] == "test"
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert {port: c["status"] for port, c in checks.items()} == {
        "store": "ok",
        "blobs": "ok",
        "mailer": "ok",
        "keyRing": "unchecked",
    }
    assert checks["store"]["adapter"] == "MemoryStore"


def test_readiness_is_cached_and_never_reads_the_kek(counted: None, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    for _ in range(5):
        assert call("health_ready")[0] == 200
    assert CountingStore.checks == 1  # one check answers every call for 30 s
    now[0] += health.READY_CACHE_SECONDS - 1
    _, body = call("health_ready")
    assert CountingStore.checks == 1 and body["age"] == health.READY_CACHE_SECONDS - 1
    now[0] += 1
    _, body = call("health_ready")
    assert CountingStore.checks == 2 and body["age"] == 0
    assert CountingKeyRing.reads == 0  # not once, whoever asks


def test_a_broken_port_makes_readiness_503_with_the_code_only(tmp_path: Path) -> None:
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
        status, body = call("health_ready", "de")
        live_status, _ = call("health")
    finally:
        bootstrap.reset()
    assert status == 503 and body["status"] == "degraded"
    assert live_status == 200  # liveness does not depend on the ports
    assert body["message"] == "Einige Systeme funktionieren nicht"
    blobs = body["checks"]["blobs"]  # type: ignore[index]
    assert blobs == {"status": "error", "ms": blobs["ms"], "code": "backend_unavailable"}
    assert "adapter" not in body["checks"]["store"]  # type: ignore[index]  # hidden in production
    assert str(blocker) not in json.dumps(body)


def test_readiness_reports_the_scheduled_kek_check_and_still_never_reads_the_kek(
    counted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    ports = bootstrap.ports()
    record = key_ring_check.check(ports)  # the timer's run: the one KEK read
    assert CountingKeyRing.reads == 1 and record["status"] == "ok"
    for _ in range(3):
        status, body = call("health_ready")
        assert status == 200
        assert body["checks"]["keyRing"]["status"] == "ok"  # type: ignore[index]
        assert body["checks"]["keyRing"]["checkedAt"] == record["checkedAt"]  # type: ignore[index]
    assert CountingKeyRing.reads == 1  # readiness read the record, never the KEK
    # Three timer periods without a check: it says nothing about now any more.
    clock = ports.clock
    assert isinstance(clock, ManualClock)
    clock.advance(minutes=key_ring_check.FRESH_MINUTES, seconds=1)
    now[0] += health.READY_CACHE_SECONDS
    _, body = call("health_ready")
    assert body["checks"]["keyRing"]["status"] == "unchecked"  # type: ignore[index]


class BrokenKeyRing(LocalKeyFile):
    def check(self) -> None:
        raise BackendUnavailable("key vault refused")


def test_a_kek_the_timer_could_not_read_makes_readiness_503_and_fails_the_timer(tmp_path: Path) -> None:
    clock = ManualClock()
    bootstrap.use(
        store=MemoryStore(clock),
        blobs=LocalBlobStore(tmp_path / "blobs"),
        key_ring=BrokenKeyRing(tmp_path / "kek.json"),
        mailer=OutboxMailer(tmp_path / "outbox"),
        clock=clock,
        environment=Environment.TEST,
    )
    try:
        with pytest.raises(RuntimeError):
            timers.key_ring_check(None)  # the timer ignores its argument
        status, body = call("health_ready")
    finally:
        bootstrap.reset()
    assert status == 503 and body["status"] == "degraded"
    assert body["checks"]["keyRing"]["status"] == "error"  # type: ignore[index]
    assert body["checks"]["keyRing"]["code"] == "backend_unavailable"  # type: ignore[index]
