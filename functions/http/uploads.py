"""Reading a document upload: one ``multipart/form-data`` body, parsed in memory.

Werkzeug's sans-IO decoder does the MIME parsing; this module adds what an upload of private
documents needs: nothing is spooled to a temporary file (plaintext must not touch the disk), the
number and size of parts are bounded, text fields must be valid UTF-8 (an undecodable title is
refused, not silently "repaired"), and there is exactly one file part, named ``file``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import azure.functions as func
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from shared.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

__all__ = ["FORM_OVERHEAD", "Upload", "read_upload"]

#: Room for the text fields and the MIME framing on top of the file itself.
FORM_OVERHEAD = 64 * 1024
_MAX_PARTS = 8
_MAX_FIELD_BYTES = 8 * 1024
_CHUNK = 64 * 1024  # fed to the decoder at a time; its buffer never holds more than a few


@dataclass
class Upload:
    data: bytes
    file_name: str
    declared_type: str
    fields: dict[str, str] = field(default_factory=dict)


def read_upload(req: func.HttpRequest, *, fields: Collection[str]) -> Upload:
    """The file part ``file`` and the named text ``fields`` (each at most once)."""
    mimetype, options = parse_options_header(req.headers.get("content-type") or "")
    boundary = options.get("boundary", "")
    if mimetype != "multipart/form-data" or not boundary:
        raise UnsupportedMediaType("expected multipart/form-data")
    try:
        return _decode(req.get_body() or b"", boundary.encode("latin-1"), set(fields))
    except RequestEntityTooLarge:
        raise PayloadTooLarge("too many or too large form parts", limit=_MAX_FIELD_BYTES) from None
    except (ValueError, UnicodeError):  # malformed MIME, undecodable header or field
        raise InvalidInput("the upload form is malformed", field="file") from None


def _decode(body: bytes, boundary: bytes, wanted: set[str]) -> Upload:
    decoder = MultipartDecoder(boundary, 4 * _CHUNK, max_parts=_MAX_PARTS)
    view = memoryview(body)
    texts: dict[str, str] = {}
    file: Upload | None = None
    part: Field | File | None = None
    chunks: list[bytes] = []
    for start in [*range(0, len(body), _CHUNK), None]:
        decoder.receive_data(None if start is None else bytes(view[start : start + _CHUNK]))
        event = decoder.next_event()
        while not isinstance(event, NeedData | Epilogue):
            if isinstance(event, Field | File):
                part, chunks = event, []
            elif isinstance(event, Data) and part is not None:
                chunks.append(event.data)
                if isinstance(part, Field) and sum(map(len, chunks)) > _MAX_FIELD_BYTES:
                    raise RequestEntityTooLarge()
                if not event.more_data:
                    if isinstance(part, File):
                        file = _file(file, part, chunks)
                    else:
                        texts = _text(texts, part, chunks, wanted)
                    part, chunks = None, []
            event = decoder.next_event()
        if isinstance(event, Epilogue):
            break
    if file is None:
        raise InvalidInput("the upload has no file", field="file")
    file.fields = texts
    return file


def _file(previous: Upload | None, part: File, chunks: list[bytes]) -> Upload:
    if part.name != "file" or previous is not None:
        raise InvalidInput("send exactly one file, as the part 'file'", field="file")
    declared = part.headers.get("content-type") or "application/octet-stream"
    return Upload(data=b"".join(chunks), file_name=part.filename or "", declared_type=declared)


def _text(texts: dict[str, str], part: Field, chunks: list[bytes], wanted: set[str]) -> dict[str, str]:
    if part.name not in wanted:
        raise InvalidInput("unexpected form field", field=part.name if part.name.isidentifier() else None)
    if part.name in texts:
        raise InvalidInput("a form field was sent twice", field=part.name)
    try:
        value = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("text must be valid UTF-8", field=part.name) from None
    return {**texts, part.name: value}
