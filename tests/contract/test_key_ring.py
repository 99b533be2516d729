"""The KeyRing contract, once, over the local key file and Key Vault (on a loopback fake).

``make_ring()`` returns a NEW adapter instance on the same backing store each call, which is how
"the key survives a restart" and "another instance rotated" are tested.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from azure.core.exceptions import AzureError

from shared.adapters.keyvault import CONTENT_TYPE, KeyVaultKeyRing
from shared.adapters.local_keys import LocalKeyFile
from shared.errors import BackendUnavailable, ConfigurationError, KeyUnavailable
from shared.ports import Kek, KeyRing
from tests.fixtures.keyvault_fake import KeyVaultFake
from tests.fixtures.loopback_https import FakeCredential
from tests.fixtures.processes import free_port

MakeRing = Callable[[], KeyRing]


@pytest.fixture(params=["local_keys", "keyvault"])
def make_ring(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeRing]:
    made: list[KeyVaultKeyRing] = []
    if request.param == "local_keys":
        yield lambda: LocalKeyFile(tmp_path / "keys" / "kek.json")
        return
    fake: KeyVaultFake = request.getfixturevalue("keyvault_fake")

    def make() -> KeyVaultKeyRing:
        made.append(KeyVaultKeyRing(fake.url, "casedesk-kek", fake.credential, **fake.client_kwargs))
        return made[-1]

    make().ensure_initial_version()  # what the infrastructure does in Azure
    yield make
    for ring in made:
        ring.close()


def test_is_a_key_ring(make_ring: MakeRing) -> None:
    assert isinstance(make_ring(), KeyRing)


def test_current_is_32_bytes_and_stable_across_calls_and_instances(make_ring: MakeRing) -> None:
    ring = make_ring()
    first = ring.current()
    assert len(first.key) == 32
    assert isinstance(first.version, str)
    assert first.version
    assert ring.current() == first
    assert make_ring().current() == first
    assert first.key.hex() not in repr(first)


def test_rotate_gives_a_new_current_version_with_a_different_key(make_ring: MakeRing) -> None:
    ring = make_ring()
    old = ring.current()
    new = ring.rotate()
    assert new.version != old.version
    assert new.key != old.key
    assert len(new.key) == 32
    assert ring.current() == new
    assert make_ring().current() == new


def test_old_versions_stay_readable_after_rotation(make_ring: MakeRing) -> None:
    ring = make_ring()
    old = ring.current()
    ring.rotate()
    ring.rotate()
    assert ring.get(old.version) == old
    assert make_ring().get(old.version) == old


def test_a_version_rotated_by_another_instance_is_readable(make_ring: MakeRing) -> None:
    running = make_ring()
    running.current()  # cached
    new = make_ring().rotate()  # e.g. the rotation CLI or timer
    assert running.get(new.version) == new


@pytest.mark.parametrize("version", ["v999", "0" * 32, "", "../kek"])
def test_unknown_version_is_key_unavailable(make_ring: MakeRing, version: str) -> None:
    ring = make_ring()
    ring.current()
    with pytest.raises(KeyUnavailable):
        ring.get(version)


def test_check_passes(make_ring: MakeRing) -> None:
    make_ring().check()


# -- local key file ------------------------------------------------------------------------------


def test_local_keys_file_is_created_0600_even_with_a_permissive_umask(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    previous = os.umask(0)
    try:
        ring = LocalKeyFile(path)
        ring.current()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        ring.rotate()
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [".kek.json.lock", "kek.json"]


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620], ids=oct)
def test_local_keys_refuse_a_file_others_can_access(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "kek.json"
    LocalKeyFile(path).current()
    path.chmod(mode)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        LocalKeyFile(path).current()


def test_local_keys_refuse_a_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b'{"format": 1, "current": "v1", "versions": {"v1": "c2hvcnQ="}}')
    os.close(fd)
    with pytest.raises(ConfigurationError, match="not a valid"):
        LocalKeyFile(path).current()


def test_local_keys_unusable_path_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "kek.json").mkdir()
    with pytest.raises(ConfigurationError, match="cannot be used"):
        LocalKeyFile(tmp_path / "kek.json").current()


def test_local_keys_never_recreate_a_file_that_vanished_in_use(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    ring = LocalKeyFile(path)
    ring.current()
    path.unlink()
    with pytest.raises(ConfigurationError, match="disappeared"):
        ring.rotate()
    assert not path.exists()


def test_local_keys_concurrent_first_use_agrees_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    results: list[Kek] = []
    threads = [
        threading.Thread(target=lambda: results.append(LocalKeyFile(path).current())) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert len(set(results)) == 1


# -- Key Vault -----------------------------------------------------------------------------------


def vault_ring(fake: KeyVaultFake, name: str = "casedesk-kek", **kwargs: object) -> KeyVaultKeyRing:
    return KeyVaultKeyRing(fake.url, name, fake.credential, **{**fake.client_kwargs, **kwargs})


def test_keyvault_missing_secret_is_key_unavailable_and_not_created(keyvault_fake: KeyVaultFake) -> None:
    ring = vault_ring(keyvault_fake, "never-created")
    with pytest.raises(KeyUnavailable, match="ensure_initial_version"):
        ring.current()
    assert [r.method for r in keyvault_fake.requests if r.method != "GET"] == []
    ring.close()


def test_keyvault_ensure_initial_version_is_idempotent(keyvault_fake: KeyVaultFake) -> None:
    ring = vault_ring(keyvault_fake)
    first = ring.ensure_initial_version()
    assert vault_ring(keyvault_fake).ensure_initial_version() == first
    puts = [r for r in keyvault_fake.requests if r.method == "PUT" and r.status == 200]
    assert len(puts) == 1
    assert puts[0].body["contentType"] == CONTENT_TYPE
    ring.close()


def test_keyvault_answers_the_challenge_with_the_credential(keyvault_fake: KeyVaultFake) -> None:
    ring = vault_ring(keyvault_fake)
    ring.ensure_initial_version()
    assert (("https://vault.azure.net/.default",), KeyVaultFake.TENANT) in keyvault_fake.credential.calls
    authorized = [r for r in keyvault_fake.requests if "authorization" in r.headers]
    assert authorized
    assert all(r.headers["authorization"] == f"Bearer {keyvault_fake.credential.token}" for r in authorized)
    assert {r.query["api-version"] for r in keyvault_fake.requests} == {"2026-04-01"}
    ring.close()


def test_keyvault_current_is_cached_until_the_ttl(keyvault_fake: KeyVaultFake) -> None:
    now = [0.0]
    cached = vault_ring(keyvault_fake, monotonic=lambda: now[0])
    fresh = vault_ring(keyvault_fake, current_ttl=0)
    old = cached.ensure_initial_version()
    gets = len(keyvault_fake.requests)
    assert cached.current() == old
    assert len(keyvault_fake.requests) == gets  # no network for a cached current()
    new = vault_ring(keyvault_fake).rotate()
    assert fresh.current() == new
    assert cached.current() == old
    now[0] = 601.0
    assert cached.current() == new
    cached.close()
    fresh.close()


def test_keyvault_rejects_a_secret_that_is_not_a_256_bit_key(keyvault_fake: KeyVaultFake) -> None:
    ring = vault_ring(keyvault_fake)
    ring.ensure_initial_version()
    keyvault_fake.secrets["casedesk-kek"][-1]["value"] = "c2hvcnQ="  # base64 of b"short"
    with pytest.raises(ConfigurationError, match="256-bit"):
        vault_ring(keyvault_fake).current()
    ring.close()


def test_keyvault_wrong_credential_is_backend_unavailable(keyvault_fake: KeyVaultFake) -> None:
    ring = KeyVaultKeyRing(keyvault_fake.url, "kek", FakeCredential(), **keyvault_fake.client_kwargs)
    with pytest.raises(BackendUnavailable) as caught:
        ring.current()
    assert isinstance(caught.value.__cause__, AzureError)
    ring.close()


def test_keyvault_unreachable_vault_is_backend_unavailable_quickly(keyvault_fake: KeyVaultFake) -> None:
    url = f"https://127.0.0.1:{free_port()}"
    ring = KeyVaultKeyRing(url, "kek", FakeCredential(), **keyvault_fake.client_kwargs)  # retry_total=0
    started = time.monotonic()
    with pytest.raises(BackendUnavailable) as caught:
        ring.current()
    assert time.monotonic() - started < 5
    assert isinstance(caught.value.__cause__, AzureError)
    ring.close()


def test_keyvault_construction_is_offline_and_validates_settings(keyvault_fake: KeyVaultFake) -> None:
    ring = vault_ring(keyvault_fake)
    assert keyvault_fake.requests == []  # the client is built, and the vault asked, on first use
    ring.close()
    with pytest.raises(ConfigurationError):
        KeyVaultKeyRing("http://plain.example", "kek", FakeCredential())
    with pytest.raises(ConfigurationError):
        KeyVaultKeyRing(keyvault_fake.url, "no_underscores/or/slashes", FakeCredential())
