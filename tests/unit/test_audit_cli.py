"""``python -m shared.cli verify-audit`` as ops run it: a real process on the embedded SQLite store,
first intact, then after events were edited and deleted directly in the database file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from shared.adapters.sqlite import SqliteStore
from shared.audit import AuditEvent, AuditLog
from shared.audit.events import event_id
from shared.clock import SystemClock
from shared.effects import audit_op, record
from tests.fixtures.processes import run_module


def verify_audit(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli(data, "verify-audit", *args)


def cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "CASEDESK_ENV": "test",
        "CASEDESK_DATA_DIR": str(data),
        "CASEDESK_STORE": "sqlite",
        "CASEDESK_BLOBS": "local",
        "CASEDESK_KEYS": "local",
        "CASEDESK_MAIL": "outbox",
        "CASEDESK_QUEUE": "local",
    }
    return run_module("shared.cli", *args, env=env)


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "casedesk.sqlite3", SystemClock())


def record_three(store: SqliteStore) -> None:
    """Three events, each in the case, org and owner chains: 9 events in 3 chains."""
    log = AuditLog(store, SystemClock())
    for n, action in enumerate(["case:read", "document:read", "case:update"], start=1):
        log.record(
            AuditEvent(
                actor="u-manager",
                action=action,
                target_type="case",
                target_id="c1",
                case_id="c1",
                org_id="o1",
                owner_id="u-employee",
                request_id=f"req-{n}",
            )
        )


def test_an_empty_store_has_no_chains(tmp_path: Path, store: SqliteStore) -> None:
    done = verify_audit(tmp_path, "--all")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok: 0 events in 0 chains; 0 events pending for the relay"


def test_intact_chains_pass_and_tampered_ones_fail_with_each_problem(
    tmp_path: Path, store: SqliteStore
) -> None:
    record_three(store)
    intact = verify_audit(tmp_path, "--all")
    assert intact.returncode == 0, intact.stderr
    assert intact.stdout.strip() == "ok: 9 events in 3 chains; 0 events pending for the relay"
    one = verify_audit(tmp_path, "--scope", "case-c1")
    assert one.returncode == 0 and one.stdout.strip().startswith("ok: 3 events in 1 chains")

    edited = store.read("audit", "case-c1", event_id(2))
    store.replace("audit", {**edited, "action": "case:export"}, if_match=edited["_etag"])
    store.delete("audit", "org-o1", event_id(3))

    tampered = verify_audit(tmp_path, "--all")
    assert tampered.returncode == 2, tampered.stderr
    lines = tampered.stdout.splitlines()
    assert any(line.startswith("case-c1 seq 2: modified") for line in lines), lines
    assert any(line.startswith("org-o1 seq 3: missing") for line in lines), lines
    assert any(line.startswith("org-o1 seq 3: head mismatch") for line in lines), lines
    assert not any(line.startswith("user-u-employee") for line in lines), lines
    assert lines[-1].startswith("TAMPERED: 3 problems in 3 chains")

    only_user = verify_audit(tmp_path, "--scope", "user-u-employee")
    assert only_user.returncode == 0 and only_user.stdout.strip().startswith("ok: 3 events in 1 chains")


def test_an_unknown_or_malformed_scope_is_an_error_not_ok(tmp_path: Path, store: SqliteStore) -> None:
    record_three(store)
    unknown = verify_audit(tmp_path, "--scope", "case-nope")
    assert unknown.returncode == 1 and "no audit chain case-nope" in unknown.stderr
    malformed = verify_audit(tmp_path, "--scope", "cases c1")
    assert malformed.returncode == 1 and "error (invalid_input)" in malformed.stderr


def test_events_not_yet_relayed_are_pending_not_missing_and_the_relay_command_moves_them(
    tmp_path: Path, store: SqliteStore
) -> None:
    record_three(store)
    event = AuditEvent(
        actor="u-doctor", action="document:read", target_type="document", target_id="d1", case_id="c1",
        org_id="o1", owner_id="u-employee", request_id="req-pending",
    )  # fmt: skip
    record(store, "cases", "c1", [audit_op("cases", "c1", event, SystemClock().now())])

    before = verify_audit(tmp_path, "--all")
    assert before.returncode == 0, before.stdout
    assert before.stdout.strip() == "ok: 9 events in 3 chains; 1 events pending for the relay"

    relayed = cli(tmp_path, "relay")
    assert relayed.returncode == 0, relayed.stderr

    after = verify_audit(tmp_path, "--all")
    assert after.stdout.strip() == "ok: 12 events in 3 chains; 0 events pending for the relay"
    accesses = AuditLog(store, SystemClock()).accesses_to("u-employee").events
    assert accesses[0].event.request_id == "req-pending"
