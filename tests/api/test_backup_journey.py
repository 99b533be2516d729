"""Issue 26 through the running app, on the embedded store and on Cosmos + Azurite: the timers
``audit_anchor``, ``cosmos_export`` and ``audit_verify`` run in the dev host with the settings
the Function App has (``BACKUP_EXPORT_CONTAINER``, ``AUDIT_ANCHOR_CONTAINER``); a case is purged
after the export; the ops CLI restores the export into an empty store that holds the live keys →
the purged case is a tombstone again, the other case's note decrypts, ``verify-audit --all``
passes against the anchors. (The same drill step by step, with crash tests and the anchor
tampering cases: tests/contract/test_backup.py.)"""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.local_keys import LocalKeyFile
from shared.backup import export
from shared.clock import SystemClock
from shared.crypto.case_keys import CaseCipher, CaseKeys
from shared.errors import NotFound
from shared.ports import BlobStore, Store
from tests.api.conftest import AdapterSet, Env, onboard, org_with_manager, running_env


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, adapters: AdapterSet) -> Iterator[Env]:
    token = uuid.uuid4().hex[:12]
    with running_env(
        tmp_path_factory, adapters, CASEDESK_RETENTION_YEARS="0", CASEDESK_NOTICE_DAYS="0",
        BACKUP_EXPORT_CONTAINER=f"exports-{token}", AUDIT_ANCHOR_CONTAINER=f"anchors-{token}",
    ) as started:  # fmt: skip
        yield started


def run_timer(env: Env, name: str) -> None:
    request = urllib.request.Request(f"{env.url}/admin/timers/{name}/run", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=300) as answer:
        assert json.loads(answer.read())["succeeded"] is True, name


def side_blobs(env: Env, setting: str, data: Path | None = None) -> BlobStore:
    """The export or anchor container as the app's settings name it."""
    name = env.env[setting]
    if env.adapter == "embedded":
        from shared.adapters.local_blob import LocalBlobStore

        return LocalBlobStore((data or env.data) / name)
    from shared.adapters.azure_blob import AzureBlobStore, emulator_credential

    return AzureBlobStore(env.env["BLOB_ACCOUNT_URL"], name, emulator_credential())


@pytest.fixture(scope="module")
def world(env: Env) -> dict[str, Any]:
    org_id, _admin, manager = org_with_manager(
        env, "Backup AG", "bk.admin@example.invalid", "bk.cm@example.invalid"
    )
    cases, notes = [], []
    for email in ("keep@example.invalid", "gone@example.invalid"):
        body = {"employee": {"email": email, "name": "Someone", "language": "de"}}
        created = manager.post(f"/api/orgs/{org_id}/cases", body)
        assert created.status == 201, created.body
        case_id = created.json()["caseId"]
        employee, _, _ = onboard(env, email)
        note = employee.post(
            f"/api/cases/{case_id}/notes", {"title": "Befund", "body": f"vertraulich {email}"}
        )
        assert note.status == 201, note.body
        cases.append(case_id)
        notes.append(note.json()["id"])
    etag = manager.get(f"/api/cases/{cases[1]}").headers["ETag"]
    assert manager.post(f"/api/cases/{cases[1]}/close", headers={"If-Match": etag}).status == 200
    env.settle()
    return {"keep": cases[0], "gone": cases[1], "keep_note": notes[0], "gone_note": notes[1]}


def _restore_target(env: Env, tmp_path: Path) -> tuple[dict[str, str], Store]:
    """Settings of an empty store beside the app's, holding the live keys, the key file and the
    export and anchor containers (on Azurite: the same containers)."""
    data = tmp_path / "restored"
    (data / "keys").mkdir(parents=True)
    shutil.copy2(env.data / "keys" / "kek.json", data / "keys" / "kek.json")
    settings = {**env.env, "CASEDESK_DATA_DIR": str(data)}
    if env.adapter == "embedded":
        from shared.adapters.sqlite import SqliteStore

        for setting in ("BACKUP_EXPORT_CONTAINER", "AUDIT_ANCHOR_CONTAINER"):
            shutil.copytree(env.data / env.env[setting], data / env.env[setting])
        target: Store = SqliteStore(data / "casedesk.sqlite3", SystemClock())
    else:
        from shared.adapters.cosmos import CosmosStore
        from shared.adapters.cosmos_emulator import emulator_client_kwargs

        settings["COSMOS_DATABASE"] = f"restored-{uuid.uuid4().hex}"
        cosmos = CosmosStore(
            settings["COSMOS_ENDPOINT"], settings["COSMOS_DATABASE"], settings["COSMOS_EMULATOR_KEY"],
            SystemClock(), **emulator_client_kwargs(),
        )  # fmt: skip
        cosmos.ensure_containers()
        target = cosmos
    continuation = None
    while True:
        page = env.store().scan_page("keys", limit=100, continuation=continuation)
        for key in page.items:
            target.create("keys", {k: v for k, v in key.items() if not k.startswith("_")})
        continuation = page.continuation
        if continuation is None:
            return settings, target


def test_export_purge_restore_through_the_timers_and_the_cli(
    env: Env, world: dict[str, Any], tmp_path: Path
) -> None:
    run_timer(env, "audit_anchor")
    run_timer(env, "cosmos_export")
    exports = side_blobs(env, "BACKUP_EXPORT_CONTAINER")
    (manifest_name,) = [n for n in exports.list() if n.endswith("/manifest.json")]
    day = manifest_name.split("/")[0]
    manifest = json.loads(exports.get(manifest_name))
    assert set(manifest["containers"]) == set(export.EXPORTED)
    assert manifest["excluded"] == ["keys", "sessions"]
    assert not [n for n in exports.list() if n.split("/")[1] in ("keys", "sessions")]
    run_timer(env, "cosmos_export")  # the hourly rerun of a finished day changes nothing
    assert [n for n in exports.list() if n.endswith("/manifest.json")] == [manifest_name]
    run_timer(env, "audit_verify")  # compares with the anchors just published
    checked = env.cli("verify-audit", "--all")
    assert checked.returncode == 0 and "anchors: " in checked.stderr, (checked.stdout, checked.stderr)

    run_timer(env, "retention_purge")  # the notice (notice period 0 here)
    env.settle()
    run_timer(env, "retention_purge")  # the purge, after the export
    env.settle()
    assert env.store().read("cases", world["gone"], "case")["status"] == "purged"

    settings, target = _restore_target(env, tmp_path)
    from tests.fixtures.processes import run_module

    restored = run_module("shared.cli", "backup-restore", day, env=settings)
    assert restored.returncode == 0, restored.stderr
    assert f"case {world['gone']}: purged after the export" in restored.stdout, restored.stdout
    assert re.search(r"restored \d+ items", restored.stdout)
    again = run_module("shared.cli", "backup-restore", day, env=settings)
    assert again.returncode == 1 and "not empty" in again.stderr  # an empty store only
    verified = run_module("shared.cli", "verify-audit", "--all", env=settings)
    assert verified.returncode == 0, verified.stdout
    assert verified.stdout.startswith("ok: ") and "anchors: " in verified.stderr

    keys = CaseKeys(
        target, LocalKeyFile(Path(settings["CASEDESK_DATA_DIR"]) / "keys" / "kek.json"), SystemClock()
    )
    cipher = CaseCipher(keys)
    note = target.read("cases", world["keep"], f"note-{world['keep_note']}")
    body = cipher.decrypt_field(world["keep"], "cases", note["id"], "body", note["bodySealed"])
    assert body == "vertraulich keep@example.invalid"
    assert target.read("cases", world["gone"], "case")["status"] == "purged"
    with pytest.raises(NotFound):
        target.read("cases", world["gone"], f"note-{world['gone_note']}")
