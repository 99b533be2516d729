"""The ``BlobStore`` port on plain files under a root directory (local runs, ARCHITECTURE §4).

Why it is shaped like this:

* Writes are atomic (temp file in the same directory, fsync, then rename or link), so a crash
  never leaves a half-written ciphertext under a blob's name; ``overwrite=False`` uses ``link``,
  which fails atomically if the name exists, so two writers cannot both "create" one blob.
* A blob ``a/b/c`` is the file ``a/b/c~blob``. The suffix holds a character that no name segment
  may contain, so ``a/b`` and ``a/b/c`` can both exist (as on Azure) and leftover temp files
  (``~tmp-…``) are never mistaken for blobs.
* Files are 0600 and directories 0700: blobs are ciphertext, but their names and sizes are still
  nobody else's business.
* ``FileNotFoundError`` means a missing blob; any other ``OSError`` means the root is broken
  (not mounted, not a directory, read-only) and becomes ``BackendUnavailable``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from shared.adapters.blob_names import validate_folder, validate_name, validate_prefix
from shared.adapters.private_files import PRIVATE_DIR, make_private_dirs
from shared.errors import AlreadyExists, BackendUnavailable, InvalidInput, NotFound

__all__ = ["LocalBlobStore"]

_SUFFIX = "~blob"
_TEMP_PREFIX = "~tmp-"


class LocalBlobStore:
    """Blobs as files under ``root``. The constructor touches nothing; directories (the root
    included) are created on the first write or :meth:`check`."""

    def __init__(self, root: Path) -> None:
        self._root = Path(root)

    def put(self, name: str, data: bytes | bytearray | memoryview, *, overwrite: bool = False) -> None:
        path = self._path(validate_name(name))
        try:
            self._make_dirs(name.split("/")[:-1])
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=_TEMP_PREFIX)  # mode 0600
            try:
                try:
                    _write_all(fd, data)  # from the caller's buffer: no copy into a file buffer
                    os.fsync(fd)
                finally:
                    os.close(fd)
                _name(temp, path, overwrite=overwrite)
            finally:
                if os.path.lexists(temp):
                    os.unlink(temp)
            _fsync_dir(path.parent)
        except OSError as exc:
            raise BackendUnavailable("local blob store failed") from exc

    def get(self, name: str) -> bytes:
        path = self._path(validate_name(name))
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise NotFound("no such blob") from exc
        except OSError as exc:
            raise BackendUnavailable("local blob store failed") from exc

    def delete(self, name: str) -> None:
        """Idempotent: deleting a missing blob is not an error, so purges can be resumed."""
        path = self._path(validate_name(name))
        try:
            path.unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise BackendUnavailable("local blob store failed") from exc
        try:
            _fsync_dir(path.parent)
        except OSError as exc:
            raise BackendUnavailable("local blob store failed") from exc

    def delete_prefix(self, prefix: str) -> int:
        """Remove the folder ``prefix`` names with everything in it (leftover temp files of a
        failed upload too) and sync its parent directory once — not once per blob: on a
        journaling file system that commits every unlink and rmdir before it. Idempotent; a run
        that dies half-way leaves a part, which the next call removes."""
        directory = self._root.joinpath(*validate_folder(prefix)[:-1].split("/"))
        removed = 0
        touched = False
        try:
            for top, _dirs, files in os.walk(directory, topdown=False, onerror=_raise_unless_gone):
                for file in files:
                    os.unlink(os.path.join(top, file))
                    removed += file.endswith(_SUFFIX)
                os.rmdir(top)
                touched = True
        except FileNotFoundError:  # gone under our feet (a concurrent purge): it is gone
            touched = True
        except OSError as exc:
            raise BackendUnavailable("local blob store failed") from exc
        if not touched:  # there was no such folder: nothing to make durable
            return 0
        try:
            _fsync_dir(directory.parent)
        except FileNotFoundError:
            return removed
        except OSError as exc:
            raise BackendUnavailable("local blob store failed") from exc
        return removed

    def exists(self, name: str) -> bool:
        path = self._path(validate_name(name))
        try:
            path.stat()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise BackendUnavailable("local blob store failed") from exc
        return True

    def list(self, prefix: str = "") -> Iterator[str]:
        """Names starting with ``prefix``, sorted. Only the directory the prefix names is walked."""
        validate_prefix(prefix)
        head = prefix.rpartition("/")[0]
        start = self._root
        if head:
            try:
                start = self._root.joinpath(*validate_name(head).split("/"))
            except InvalidInput:
                return iter(())  # e.g. "a//" or "../": no valid name can start with it
        try:
            start.stat()
        except FileNotFoundError:
            return iter(())
        except OSError as exc:
            raise BackendUnavailable("local blob store failed") from exc
        try:
            names = sorted(n for n in _walk(start, f"{head}/" if head else "") if n.startswith(prefix))
        except OSError as exc:
            raise BackendUnavailable("local blob store failed") from exc
        return iter(names)

    def check(self) -> None:
        """Raise ``BackendUnavailable`` unless the root is (or can be made) a writable directory."""
        try:
            make_private_dirs(self._root)
            fd, probe = tempfile.mkstemp(dir=self._root, prefix=_TEMP_PREFIX)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise BackendUnavailable("local blob root is not a writable directory") from exc

    def _path(self, name: str) -> Path:
        *dirs, last = name.split("/")
        return self._root.joinpath(*dirs, last + _SUFFIX)

    def _make_dirs(self, segments: Sequence[str]) -> None:
        # Usually only the last level is new (a document's folder): try it alone first.
        try:
            self._root.joinpath(*segments).mkdir(mode=PRIVATE_DIR)
        except (FileExistsError, FileNotFoundError):
            pass
        else:
            return
        # Level by level, because os.makedirs ignores ``mode`` for intermediate directories.
        directory = self._root
        make_private_dirs(directory)  # its parents too: usually the data directory
        for segment in segments:
            directory = directory / segment
            directory.mkdir(mode=PRIVATE_DIR, exist_ok=True)


def _walk(directory: Path, base: str) -> Iterator[str]:
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path), f"{base}{entry.name}/")
            elif entry.name.endswith(_SUFFIX) and entry.is_file(follow_symlinks=False):
                yield base + entry.name[: -len(_SUFFIX)]


def _raise_unless_gone(exc: OSError) -> None:
    """``os.walk`` skips what it cannot read; only a vanished directory may be skipped."""
    if not isinstance(exc, FileNotFoundError):
        raise exc


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data).cast("B")
    while view:
        view = view[os.write(fd, view) :]


def _name(temp: str, path: Path, *, overwrite: bool) -> None:
    """Give the written file its name, atomically: replace, or create-if-absent (``link`` fails
    if the name exists, so two writers cannot both "create" one blob)."""
    if overwrite:
        os.replace(temp, path)
        return
    try:
        os.link(temp, path)
    except FileExistsError as exc:
        raise AlreadyExists("blob exists") from exc


def _fsync_dir(directory: Path) -> None:
    """Make a rename or unlink durable: the directory entry lives in the directory's own data."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
