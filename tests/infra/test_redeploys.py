"""Redeploys that work: delete locks on the resources holding data, a Key Vault that is recovered
(with its KEK) instead of colliding with its soft-deleted self after `azd down` + `azd up`, and the
preprovision hook that decides between the two."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Protocol

import pytest

from tests.infra import iac
from tests.infra.bicep import ENTRY, BicepProject

KEY_VAULT = "modules/key-vault.bicep"
HOOK = iac.INFRA / "hooks" / "keyvault-mode.sh"
# The resources whose loss loses data or the means to read it: every record, every document, the
# KEK, the long-term backups.
LOCKED = {
    ("modules/cosmos.bicep", "Microsoft.DocumentDB/databaseAccounts"),
    ("modules/data-storage.bicep", "Microsoft.Storage/storageAccounts"),
    ("modules/key-vault.bicep", "Microsoft.KeyVault/vaults"),
    ("modules/backup.bicep", "Microsoft.DataProtection/backupVaults"),
}


def test_data_holding_resources_cannot_be_deleted(project: BicepProject) -> None:
    found = set()
    for lock in project.resources("Microsoft.Authorization/locks"):
        assert lock.api_version == "2020-05-01"
        assert lock.get("properties.level") == "CanNotDelete"
        assert "azd down" in lock.get("properties.notes")  # whoever meets the lock learns why
        assert not lock.conditional
        target = project.symbol(lock.file, lock.get("scope"))
        assert not target.existing, f"{lock.file}: lock the resource the module creates"
        found.add((lock.file, target.type))
    assert found == LOCKED


def test_key_vault_name_is_stable_per_environment(project: BicepProject) -> None:
    """Same environment, same subscription → same vault name, so `azd up` after `azd down` finds
    (and recovers) the soft-deleted vault with its KEK instead of starting without one."""
    ((_, params),) = project.module_calls(KEY_VAULT)
    assert params["name"] == "kv-${resourceToken}"
    token = project.variable(ENTRY, "resourceToken")
    text = repr(token)
    assert "unique_string" in text and "environmentName" in text
    assert "utc_now" not in text and "new_guid" not in text
    assert len("kv-") + 13 <= 24  # uniqueString is 13 characters; vault names are 3-24


def test_soft_deleted_vault_is_recovered_not_recreated(project: BicepProject) -> None:
    vault = project.only("Microsoft.KeyVault/vaults")
    assert vault.get("properties.createMode") == {
        "operator": {
            "type": "conditional",
            "operands": {
                "condition": "recoverSoftDeleted",
                "true_value": "recover",
                "false_value": "default",
            },
        }
    }
    assert project.parameter(KEY_VAULT, "recoverSoftDeleted")["default"] is False
    ((_, params),) = project.module_calls(KEY_VAULT)
    assert params["recoverSoftDeleted"] == "keyVaultRecover"
    assert project.parameter(ENTRY, "keyVaultRecover")["default"] is False
    parameters = (iac.INFRA / "main.parameters.json").read_text(encoding="utf-8")
    assert '"${CASEDESK_KEYVAULT_RECOVER=false}"' in parameters
    assert '"${CASEDESK_KEK_EXISTS=false}"' in parameters
    outputs = project.files[ENTRY]["outputs"]
    assert {"KEYVAULT_NAME", "KEK_SECRET_NAME"} <= set(outputs)  # what the hook reads


def test_preprovision_hook_runs_before_every_provisioning() -> None:
    hooks = iac.load_yaml(iac.ROOT / "azure.yaml")["hooks"]["preprovision"]
    assert hooks["posix"] == {"shell": "sh", "run": "sh infra/hooks/keyvault-mode.sh"}
    assert hooks["windows"] == {"shell": "pwsh", "run": "./infra/hooks/keyvault-mode.ps1"}
    assert (iac.INFRA / "hooks" / "keyvault-mode.ps1").is_file()


# -- the hook itself, against stand-ins for `az` and `azd` --------------------------------------

FAKE_AZ = """#!/bin/sh
# Stand-in for the Azure CLI: answers from FAKE_* variables, records every call.
echo "az $*" >> "$CALLS"
case "$1 $2" in
  "account show") [ "$FAKE_SIGNED_IN" = 1 ] ;;
  "keyvault show") [ -n "$FAKE_LIVE_ID" ] && echo "$FAKE_LIVE_ID" ;;
  "keyvault show-deleted") [ "$FAKE_DELETED" = 1 ] && echo /deleted ;;
  "resource show") [ "$FAKE_KEK" = 1 ] && [ "$4" = "$FAKE_LIVE_ID/secrets/casedesk-kek" ] ;;
  *) exit 2 ;;
esac
"""
FAKE_AZD = """#!/bin/sh
echo "azd $*" >> "$CALLS"
"""


class RunHook(Protocol):
    def __call__(
        self,
        *,
        vault: str = ...,
        signed_in: bool = ...,
        live: str = ...,
        deleted: bool = ...,
        kek: bool = ...,
        with_az: bool = ...,
    ) -> list[str]: ...


@pytest.fixture
def run_hook(tmp_path: Path) -> RunHook:
    if shutil.which("sh") is None:
        pytest.skip("NOT CHECKED: no POSIX sh on this machine")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("az", FAKE_AZ), ("azd", FAKE_AZD)):
        (bin_dir / name).write_text(body, encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    calls = tmp_path / "calls"

    def run(
        *,
        vault: str = "kv-abc",
        signed_in: bool = True,
        live: str = "",
        deleted: bool = False,
        kek: bool = False,
        with_az: bool = True,
    ) -> list[str]:
        if not with_az:
            (bin_dir / "az").unlink()
        calls.write_text("", encoding="utf-8")
        env = {
            "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin",
            "CALLS": str(calls),
            "KEYVAULT_NAME": vault,
            "FAKE_SIGNED_IN": "1" if signed_in else "0",
            "FAKE_LIVE_ID": live,
            "FAKE_DELETED": "1" if deleted else "0",
            "FAKE_KEK": "1" if kek else "0",
        }
        result = subprocess.run(
            ["sh", str(HOOK)], check=False, env=env, capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, result.stderr
        return [line for line in calls.read_text(encoding="utf-8").splitlines() if line.startswith("azd ")]

    return run


LIVE = "/subscriptions/s/resourceGroups/rg-prod/providers/Microsoft.KeyVault/vaults/kv-abc"


def test_hook_recovers_a_soft_deleted_vault(run_hook: RunHook) -> None:
    assert run_hook(deleted=True) == ["azd env set CASEDESK_KEYVAULT_RECOVER true"]


def test_hook_updates_a_live_vault_and_notices_the_kek(run_hook: RunHook) -> None:
    assert run_hook(live=LIVE, kek=True) == [
        "azd env set CASEDESK_KEYVAULT_RECOVER false",
        "azd env set CASEDESK_KEK_EXISTS true",
    ]
    assert run_hook(live=LIVE, kek=False) == [
        "azd env set CASEDESK_KEYVAULT_RECOVER false",
        "azd env set CASEDESK_KEK_EXISTS false",
    ]


def test_hook_starts_afresh_when_the_vault_was_purged(run_hook: RunHook) -> None:
    assert run_hook() == [
        "azd env set CASEDESK_KEYVAULT_RECOVER false",
        "azd env set CASEDESK_KEK_EXISTS false",
    ]


def test_hook_changes_nothing_it_cannot_know(run_hook: RunHook) -> None:
    """First provisioning (no vault name yet), signed out of az, or no az at all: the values the
    operator may have set by hand stay as they are."""
    assert run_hook(vault="") == []
    assert run_hook(signed_in=False, deleted=True) == []
    assert run_hook(with_az=False, deleted=True) == []
