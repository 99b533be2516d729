"""The KEK on a developer machine: a JSON key file instead of Key Vault (ARCHITECTURE §5, §8).

This is an *embedded* adapter: production refuses it at start-up. It still has to be careful,
because development data is real enough to leak: the file is created 0600 from the first byte on
and a file that others can read is refused rather than silently used.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from shared.adapters.private_files import make_private_dirs
from shared.errors import ConfigurationError, KeyUnavailable
from shared.ports import Kek

try:  # POSIX only; on Windows two processes rotating at the same instant is not a dev scenario.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["LocalKeyFile"]

_FORMAT = 1
_KEY_BYTES = 32


class LocalKeyFile:
    """A :class:`~shared.ports.KeyRing` backed by one JSON file holding every KEK version.

    File shape: ``{"format": 1, "current": "v2", "versions": {"v1": "<base64>", "v2": ...}}``.
    The file is created on first use; once it has been read, it is never re-created: a key file
    that vanishes under a running process is an error, not an invitation to mint a new KEK (that
    would orphan every case key wrapped under the old one).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()
        self._current: str | None = None
        self._versions: dict[str, bytes] = {}

    def current(self) -> Kek:
        with self._lock:
            if self._current is None:
                self._load(create=True)
            assert self._current is not None
            return Kek(self._current, self._versions[self._current])

    def get(self, version: str) -> Kek:
        with self._lock:
            if version not in self._versions:
                # Another process (the rotation CLI) may have added it since we cached the file.
                self._load(create=self._current is None)
            key = self._versions.get(version)
            if key is None:
                raise KeyUnavailable(f"unknown key-encryption key version {version!r}", version=version)
            return Kek(version, key)

    def rotate(self) -> Kek:
        with self._lock, self._file_lock():
            self._load(create=self._current is None)
            numbers = [int(v[1:]) for v in self._versions if v.startswith("v") and v[1:].isdigit()]
            version = f"v{max(numbers, default=0) + 1}"
            versions = {**self._versions, version: secrets.token_bytes(_KEY_BYTES)}
            tmp = self._write_temp(version, versions)
            os.replace(tmp, self._path)
            self._current, self._versions = version, versions
            return Kek(version, versions[version])

    def check(self) -> None:
        """Re-read the file: it must exist (or be creatable), be private and parse."""
        with self._lock:
            self._load(create=self._current is None)

    # -- internals (called with self._lock held) ---------------------------------------------

    def _load(self, *, create: bool) -> None:
        try:
            try:
                fd = os.open(self._path, os.O_RDONLY)
            except FileNotFoundError:
                if not create:
                    raise ConfigurationError(
                        f"key file {self._path} has disappeared while in use; restore it from a backup"
                    ) from None
                self._create()
                fd = os.open(self._path, os.O_RDONLY)
            with os.fdopen(fd, "rb") as handle:
                self._refuse_if_shared(os.fstat(handle.fileno()).st_mode)
                raw = handle.read()
        except OSError as exc:
            raise ConfigurationError(f"key file {self._path} cannot be used: {exc.strerror}") from exc
        self._current, self._versions = self._parse(raw)

    def _create(self) -> None:
        """Write a complete file under a temporary name, then link it into place: the key file
        appears whole or not at all, and if another process won the race we use its file."""
        make_private_dirs(self._path.parent)
        tmp = self._write_temp("v1", {"v1": secrets.token_bytes(_KEY_BYTES)})
        try:
            os.link(tmp, self._path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()

    def _write_temp(self, current: str, versions: dict[str, bytes]) -> Path:
        document = {
            "format": _FORMAT,
            "current": current,
            "versions": {v: base64.b64encode(k).decode("ascii") for v, k in versions.items()},
        }
        tmp = self._path.with_name(f".{self._path.name}.{secrets.token_hex(8)}.tmp")
        # O_EXCL + 0o600: the file is private from the instant it exists (umask can only narrow it).
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp

    def _refuse_if_shared(self, mode: int) -> None:
        # Windows has no POSIX permission bits to check; there the file lives in the user profile.
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigurationError(
                f"key file {self._path} is accessible to other users (mode {stat.filemode(mode)}); "
                f"run `chmod 600 {self._path}` and start again"
            )

    def _parse(self, raw: bytes) -> tuple[str, dict[str, bytes]]:
        corrupt = ConfigurationError(f"key file {self._path} is not a valid CaseDesk key file")
        try:
            document: Any = json.loads(raw)
            current = document["current"]
            versions = {
                str(v): base64.b64decode(k, validate=True) for v, k in dict(document["versions"]).items()
            }
        except (ValueError, KeyError, TypeError) as exc:
            raise corrupt from exc
        if document.get("format") != _FORMAT or current not in versions:
            raise corrupt
        if any(len(k) != _KEY_BYTES for k in versions.values()):
            raise corrupt
        return current, versions

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Serialise rotations across processes (a CLI rotating while `func start` runs), so two
        read-modify-write cycles cannot lose a version."""
        if fcntl is None:  # pragma: no cover - Windows
            yield
            return
        make_private_dirs(self._path.parent)
        lock_path = self._path.with_name(f".{self._path.name}.lock")
        fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
