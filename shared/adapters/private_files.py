"""Directories and SQLite files that only the service's own OS user can open (local adapters).

The embedded store holds names, e-mail addresses, password hashes and wrapped keys, and the
queue, blob, key and outbox files sit beside it. On a shared machine nobody else may read them,
whatever the umask says:

* Directories are created 0700, every missing level of them, because ``Path.mkdir(parents=True)``
  gives the parents it creates the default mode (0755 under the usual umask) — and the data
  directory is usually such a parent. Directories that exist already are left alone: they may be
  the user's own.
* A database file is created 0600 (or, if it is older than this rule, tightened to 0600) before
  SQLite opens it. SQLite's unix VFS creates ``-wal``, ``-shm`` and ``-journal`` with the database
  file's own mode, so they are 0600 too; leftovers of an older run are tightened as well. No
  ``umask`` juggling: it is process-wide and the dev host opens files on several threads.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import threading
from pathlib import Path
from typing import Any

__all__ = ["PRIVATE_DIR", "PRIVATE_FILE", "connect_private_sqlite", "make_private_dirs"]

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
_SIDE_FILES = ("-wal", "-shm", "-journal")
_creating = threading.Lock()


def make_private_dirs(directory: Path) -> None:
    """Create ``directory`` and its missing parents, each 0700 (umask can only narrow it)."""
    missing = []
    for level in (directory, *directory.parents):
        if level.is_dir():
            break
        missing.append(level)
    for level in reversed(missing):
        level.mkdir(mode=PRIVATE_DIR, exist_ok=True)  # another process may have been quicker


def connect_private_sqlite(path: Path, **options: Any) -> sqlite3.Connection:
    """``sqlite3.connect(path, **options)`` on a 0600 file in a private directory."""
    make_private_dirs(path.parent)
    # Closing *any* descriptor of a file drops every POSIX lock this process holds on it, SQLite's
    # included (they would vanish under a live connection). So a descriptor is opened only to
    # create the file, which no connection can hold yet; the lock keeps other threads from
    # connecting before it is closed again. Everything else goes by path.
    with _creating, contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    for name in (str(path), *(f"{path}{suffix}" for suffix in _SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            if stat.S_IMODE(os.stat(name).st_mode) & ~PRIVATE_FILE:
                os.chmod(name, PRIVATE_FILE)  # made before this rule, 0644
    connection: sqlite3.Connection = sqlite3.connect(path, **options)
    return connection
