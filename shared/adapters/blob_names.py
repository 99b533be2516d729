"""Blob name rules, shared by every BlobStore adapter so that they accept exactly the same names.

Names are opaque ids chosen by our code (ARCHITECTURE §4), never user file names, so the rules can
be strict: a name that passes can neither escape the local store's root directory (``..``,
absolute paths, empty segments) nor be rewritten on its way to Azure (URL normalisation of ``.``
segments, trailing dots, which the service trims). The segment and depth limits keep every valid
name storable on both backends: file systems cap a path component at 255 bytes, Azure caps a blob
name at 254 path segments.
"""

from __future__ import annotations

import re

from shared.errors import InvalidInput

__all__ = [
    "MAX_NAME_LENGTH",
    "MAX_SEGMENTS",
    "MAX_SEGMENT_LENGTH",
    "validate_folder",
    "validate_name",
    "validate_prefix",
]

MAX_NAME_LENGTH = 512
#: Leaves room for the local adapter's file suffix inside a 255-byte file name.
MAX_SEGMENT_LENGTH = 200
MAX_SEGMENTS = 32

# A segment: allowed characters only, not ending in "." (which also rules out "." and "..").
_SEGMENT = re.compile(r"[A-Za-z0-9._-]*[A-Za-z0-9_-]")
_PREFIX = re.compile(r"[A-Za-z0-9._/-]*")


def validate_name(name: str) -> str:
    """Return ``name`` unchanged if it is a valid blob name, else raise ``InvalidInput``."""
    if not isinstance(name, str) or not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidInput("invalid blob name", field="name")
    segments = name.split("/")
    if len(segments) > MAX_SEGMENTS:
        raise InvalidInput("invalid blob name", field="name")
    for segment in segments:
        if len(segment) > MAX_SEGMENT_LENGTH or not _SEGMENT.fullmatch(segment):
            raise InvalidInput("invalid blob name", field="name")
    return name


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` if it only uses name characters (it may be empty or end mid-segment)."""
    if not isinstance(prefix, str) or len(prefix) > MAX_NAME_LENGTH or not _PREFIX.fullmatch(prefix):
        raise InvalidInput("invalid blob name prefix", field="prefix")
    return prefix


def validate_folder(prefix: str) -> str:
    """Return ``prefix`` if it names a whole "folder": a valid name followed by ``/`` (what
    ``BlobStore.delete_prefix`` takes — never ``""``, never a partial segment)."""
    if not isinstance(prefix, str) or not prefix.endswith("/"):
        raise InvalidInput("invalid blob folder", field="prefix")
    validate_name(prefix[:-1])
    return prefix
