"""A write-only stream that seals what is written to it in fixed-size parts, each its own blob.

``zipfile`` writes the archive into it (an unseekable stream: the ZIP carries data descriptors),
so the archive never exists whole, neither in memory nor on disk: at most one part
(:data:`PART_BYTES`) is held plus the one being sealed. Each part is AES-256-GCM under the
export's own key, its AAD naming the person, the export and the part number, so a part copied
to another place or another export fails to open.
"""

from __future__ import annotations

from shared.crypto.aead import associated_data, open_sealed, seal
from shared.ports import BlobStore

__all__ = ["PART_BYTES", "PartWriter", "open_part", "part_blob", "part_prefix"]

#: The plaintext size of one part (the last is shorter): the unit a download request carries.
PART_BYTES = 4 * 1024 * 1024


def part_prefix(user_id: str, export_id: str) -> str:
    return f"exports/{user_id}/{export_id}/"


def part_blob(user_id: str, export_id: str, number: int) -> str:
    return f"{part_prefix(user_id, export_id)}{number:05d}"


def _aad(user_id: str, export_id: str, number: int) -> bytes:
    return associated_data("export-part", user_id, export_id, number)


class PartWriter:
    """``write`` appends; every full part is sealed and stored at once; ``close`` stores the
    rest. ``parts`` and ``size`` tell what was stored."""

    def __init__(
        self, blobs: BlobStore, key: bytes, user_id: str, export_id: str, part_bytes: int = PART_BYTES
    ):
        self._blobs, self._key = blobs, key
        self._user_id, self._export_id = user_id, export_id
        self._part_bytes = part_bytes
        self._buffer = bytearray()
        self.parts = 0
        self.size = 0
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self.closed:
            raise ValueError("write to a closed export")
        view = memoryview(data)
        written = len(view)
        while view:
            room = self._part_bytes - len(self._buffer)
            self._buffer += view[:room]
            view = view[room:]
            if len(self._buffer) == self._part_bytes:
                self._store()
        self.size += written
        return written

    def flush(self) -> None:
        return None

    def close(self) -> None:
        if not self.closed:
            if self._buffer or self.parts == 0:
                self._store()
            self.closed = True

    def _store(self) -> None:
        name = part_blob(self._user_id, self._export_id, self.parts)
        sealed = seal(self._key, self._buffer, _aad(self._user_id, self._export_id, self.parts))
        self._blobs.put(name, sealed, overwrite=True)
        self._buffer = bytearray()
        self.parts += 1


def open_part(blobs: BlobStore, key: bytes, user_id: str, export_id: str, number: int) -> bytes:
    """The plaintext of one part (``IntegrityError`` if it was altered or moved)."""
    sealed = blobs.get(part_blob(user_id, export_id, number))
    return open_sealed(key, sealed, _aad(user_id, export_id, number))
