"""Walks the registered functions: names, permissions, auth levels, and a clean import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import azure.functions as func
import pytest

from shared.access.permissions import PUBLIC_ROUTES, Action, Public

ROOT = Path(__file__).resolve().parents[2]


def functions_in(env: str | None) -> list[dict[str, object]]:
    """Import function_app in a fresh interpreter (so the import really runs) with a bare
    environment: no CaseDesk settings at all, or only CASEDESK_ENV."""
    probe = r"""
import json, sys
import function_app
rows = []
for fn in function_app.app.get_functions():
    trigger = fn.get_trigger()
    user = fn.get_user_function()
    rows.append({
        "name": fn.get_function_name(),
        "type": type(trigger).__name__,
        "route": getattr(trigger, "route", None),
        "methods": [str(getattr(m, "value", m)) for m in (getattr(trigger, "methods", None) or [])],
        "auth": str(getattr(getattr(trigger, "auth_level", None), "value", None)),
        "permission": getattr(user, "casedesk_permission", None),
        "permission_type": type(getattr(user, "casedesk_permission", None)).__name__,
    })
json.dump(rows, sys.stdout)
"""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CASEDESK_", "COSMOS_", "BLOB_", "KEYVAULT", "ACS_"))
    }
    if env:
        base["CASEDESK_ENV"] = env
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=base, capture_output=True, text=True, check=True
    )
    return list(json.loads(out.stdout))


@pytest.fixture(scope="module")
def registered() -> list[dict[str, object]]:
    return functions_in("development")


def test_function_names_are_unique(registered: list[dict[str, object]]) -> None:
    names = [f["name"] for f in registered]
    assert len(names) == len(set(names))


def test_every_http_route_declares_a_permission_or_is_on_the_public_list(
    registered: list[dict[str, object]],
) -> None:
    http = [f for f in registered if f["type"] == "HttpTrigger"]
    assert http, "no HTTP functions found"
    for fn in http:
        permission = fn["permission"]
        assert permission is not None, f"{fn['name']} declares no permission"
        if fn["permission_type"] == Public.__name__:
            assert fn["name"] in PUBLIC_ROUTES, f"{fn['name']} is public but not on the allow-list"
        else:
            assert permission in {p.value for p in Action}, f"{fn['name']}: unknown permission {permission}"


def test_every_http_route_is_anonymous_at_the_host_and_checked_by_us(
    registered: list[dict[str, object]],
) -> None:
    # Function keys in a browser app are a shared secret in every user's hands; we authenticate
    # with our own session instead, so the host level must be ANONYMOUS everywhere.
    for fn in registered:
        if fn["type"] == "HttpTrigger":
            assert fn["auth"] == func.AuthLevel.ANONYMOUS.value, fn["name"]


def test_api_routes_live_under_api_and_the_web_catch_all_is_the_only_other(
    registered: list[dict[str, object]],
) -> None:
    routes = {f["name"]: f["route"] for f in registered if f["type"] == "HttpTrigger"}
    assert routes.pop("web") == "{*path}"
    assert all(str(r).startswith("api/") for r in routes.values()), routes


def test_public_allow_list_has_no_stale_entries(registered: list[dict[str, object]]) -> None:
    names = {f["name"] for f in registered}
    assert set(PUBLIC_ROUTES) <= names


def test_import_needs_no_settings_and_registers_no_dev_routes_by_default() -> None:
    names = {f["name"] for f in functions_in(None)}
    assert {"health", "web"} <= names
    assert "dev_outbox" not in names


@pytest.mark.parametrize("env", ["production", "test", "nonsense"])
def test_dev_routes_exist_only_in_development(env: str) -> None:
    dev_routes = {"dev_outbox", "dev_totp"}
    assert not dev_routes & {f["name"] for f in functions_in(env)}
    assert dev_routes <= {f["name"] for f in functions_in("development")}


def test_import_performs_no_io(tmp_path: Path) -> None:
    """Importing under an audit hook that records file opens and sockets: nothing outside
    Python's own module loading may happen."""
    probe = r"""
import sys
events = []
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and not args[0].endswith((".py", ".pyc", ".so", ".pth")) and "__pycache__" not in args[0] and "site-packages" not in args[0] and "/lib/python" not in args[0]:
        events.append(("open", args[0]))
    if event in ("socket.connect", "socket.bind", "sqlite3.connect", "subprocess.Popen"):
        events.append((event, str(args[:1])))
sys.addaudithook(hook)
import function_app
print(repr(events))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEDESK_")}
    env["CASEDESK_DATA_DIR"] = str(tmp_path / "data")
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
    assert not (tmp_path / "data").exists()
