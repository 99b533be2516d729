"""The sealed parts of an export (shared/export/parts.py): what is written comes back joined,
split at the part size; a part moved to another number or export, or altered, does not open."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared.adapters.local_blob import LocalBlobStore
from shared.errors import IntegrityError
from shared.export.parts import PartWriter, open_part, part_blob


def test_parts_join_to_what_was_written_and_hold_only_ciphertext(tmp_path: Path) -> None:
    blobs, key = LocalBlobStore(tmp_path), os.urandom(32)
    writer = PartWriter(blobs, key, "u1", "e1", part_bytes=10)
    data = bytes(range(256)) * 2  # 512 bytes: 51 full parts and one of 2
    for start in range(0, len(data), 7):
        writer.write(data[start : start + 7])
    writer.close()
    assert (writer.parts, writer.size) == (52, 512)
    joined = b"".join(open_part(blobs, key, "u1", "e1", n) for n in range(writer.parts))
    assert joined == data
    assert all(data[n * 10 : n * 10 + 10] not in blobs.get(part_blob("u1", "e1", n)) for n in range(51))


def test_an_empty_export_is_one_empty_part(tmp_path: Path) -> None:
    blobs, key = LocalBlobStore(tmp_path), os.urandom(32)
    writer = PartWriter(blobs, key, "u1", "e1")
    writer.close()
    assert writer.parts == 1 and open_part(blobs, key, "u1", "e1", 0) == b""
    with pytest.raises(ValueError):
        writer.write(b"x")


def test_a_moved_or_altered_part_does_not_open(tmp_path: Path) -> None:
    blobs, key = LocalBlobStore(tmp_path), os.urandom(32)
    writer = PartWriter(blobs, key, "u1", "e1", part_bytes=4)
    writer.write(b"abcdefgh")
    writer.close()
    first, second = blobs.get(part_blob("u1", "e1", 0)), blobs.get(part_blob("u1", "e1", 1))
    blobs.put(part_blob("u1", "e1", 0), second, overwrite=True)  # swapped order
    with pytest.raises(IntegrityError):
        open_part(blobs, key, "u1", "e1", 0)
    blobs.put(part_blob("u2", "e1", 0), first)  # another person's export
    with pytest.raises(IntegrityError):
        open_part(blobs, key, "u2", "e1", 0)
    altered = bytearray(first)
    altered[-1] ^= 1
    blobs.put(part_blob("u1", "e1", 0), bytes(altered), overwrite=True)
    with pytest.raises(IntegrityError):
        open_part(blobs, key, "u1", "e1", 0)
    with pytest.raises(IntegrityError):
        open_part(blobs, os.urandom(32), "u1", "e1", 1)  # another export's key
