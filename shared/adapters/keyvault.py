"""The KEK in Azure Key Vault, as a versioned *secret* (ARCHITECTURE §5).

Why a secret and not a Key Vault key: the KEK must be usable in process memory (AES-GCM wrap of
case keys, ``shared/crypto/case_keys.py``); Key Vault keys never leave the vault. The secret value
is base64 of 32 random bytes; the KEK version is Key Vault's own version id, which is immutable.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.keyvault.secrets import KeyVaultSecret, SecretClient

from shared.errors import BackendUnavailable, ConfigurationError, KeyUnavailable
from shared.ports import Kek

__all__ = ["CONTENT_TYPE", "KeyVaultKeyRing"]

CONTENT_TYPE = "application/vnd.casedesk.kek+base64"
_KEY_BYTES = 32
_SECRET_NAME = re.compile(r"^[0-9A-Za-z-]{1,127}$")
# Key Vault version ids are 32 hex digits; anything else (notably "") would make the SDK fetch the
# *latest* version, so get() must never pass it through.
_VERSION = re.compile(r"^[0-9A-Za-z]{1,64}$")


class KeyVaultKeyRing:
    """A :class:`~shared.ports.KeyRing` on one Key Vault secret.

    ``current()`` is fetched once and then cached for ``current_ttl`` seconds, so a rotation done
    elsewhere (the rotation timer in another instance) is picked up within that time; versions
    fetched by ``get()`` are cached for the life of the process because versions never change.

    The production path never creates the secret: the infrastructure (or ops, via
    :meth:`ensure_initial_version`) does, so a wrong vault or secret name fails loudly instead of
    minting a fresh KEK nobody will find again. ``client_kwargs`` go to ``SecretClient``
    (``retry_total``, ``connection_verify``, ``verify_challenge_resource``...); no client or
    connection is created before the first call.
    """

    def __init__(
        self,
        vault_url: str,
        secret_name: str,
        credential: Any,
        *,
        current_ttl: float = 600.0,
        monotonic: Callable[[], float] = time.monotonic,
        **client_kwargs: Any,
    ) -> None:
        if not vault_url.lower().startswith("https://"):
            raise ConfigurationError(f"Key Vault URL must be https, got {vault_url!r}")
        if not _SECRET_NAME.match(secret_name):
            raise ConfigurationError(f"invalid Key Vault secret name {secret_name!r}")
        self._vault_url = vault_url
        self._name = secret_name
        self._credential = credential
        self._client_kwargs = client_kwargs
        self._ttl = current_ttl
        self._monotonic = monotonic
        self._lock = threading.RLock()
        self._client: SecretClient | None = None
        self._versions: dict[str, bytes] = {}
        self._current: str | None = None
        self._current_at = 0.0

    def current(self) -> Kek:
        with self._lock:
            if self._current is None or self._monotonic() - self._current_at >= self._ttl:
                return self._fetch_latest()
            return Kek(self._current, self._versions[self._current])

    def get(self, version: str) -> Kek:
        with self._lock:
            key = self._versions.get(version)
            if key is not None:
                return Kek(version, key)
            if not _VERSION.match(version):
                raise KeyUnavailable(f"unknown key-encryption key version {version!r}", version=version)
            secret = self._call(lambda c: c.get_secret(self._name, version), version=version)
            return self._remember(secret)

    def rotate(self) -> Kek:
        value = base64.b64encode(secrets.token_bytes(_KEY_BYTES)).decode("ascii")
        with self._lock:
            secret = self._call(lambda c: c.set_secret(self._name, value, content_type=CONTENT_TYPE))
            kek = self._remember(secret)
            self._current, self._current_at = kek.version, self._monotonic()
            return kek

    def ensure_initial_version(self) -> Kek:
        """For ops and the setup CLI only: create the first version if the secret has none.

        Idempotent; two concurrent first runs may each create a version, which is harmless
        (both stay readable, the later one is current)."""
        with self._lock:
            try:
                return self._fetch_latest()
            except KeyUnavailable:
                return self.rotate()

    def check(self) -> None:
        """Fetch the latest version now (not from cache): proves reachability and permissions."""
        with self._lock:
            self._fetch_latest()

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    # -- internals ------------------------------------------------------------------------------

    def _fetch_latest(self) -> Kek:
        secret = self._call(lambda c: c.get_secret(self._name))
        kek = self._remember(secret)
        self._current, self._current_at = kek.version, self._monotonic()
        return kek

    def _remember(self, secret: KeyVaultSecret) -> Kek:
        version = secret.properties.version
        try:
            key = base64.b64decode(secret.value or "", validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if not version or len(key) != _KEY_BYTES:
            raise ConfigurationError(
                f"Key Vault secret {self._name!r} version {version!r} is not a base64 256-bit key"
            )
        self._versions[version] = key
        return Kek(version, key)

    def _call(self, operation: Callable[[SecretClient], KeyVaultSecret], version: str = "") -> KeyVaultSecret:
        try:
            return operation(self._get_client())
        except ResourceNotFoundError as exc:
            if version:
                raise KeyUnavailable(
                    f"Key Vault secret {self._name!r} has no version {version!r}", version=version
                ) from exc
            raise KeyUnavailable(
                f"Key Vault secret {self._name!r} does not exist in {self._vault_url}: the infrastructure "
                "deployment creates it (or run ensure_initial_version() from the ops CLI)"
            ) from exc
        except AzureError as exc:  # auth, network, throttling, any other HTTP status
            raise BackendUnavailable(
                f"Key Vault {self._vault_url} failed: {type(exc).__name__}", service="keyvault"
            ) from exc

    def _get_client(self) -> SecretClient:
        if self._client is None:
            self._client = SecretClient(self._vault_url, self._credential, **self._client_kwargs)
        return self._client
