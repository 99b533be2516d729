"""Reading a document upload: one ``multipart/form-data`` body, parsed in memory, without copies.

The whole body is already in memory (the Functions host hands it over as one ``bytes``), so the
parts are found where they lie and the file is returned as a ``memoryview`` slice of the body:
a 25 MiB upload costs no copy and no join here (issue 13; bench/README.md, upload). Boundaries
are found with ``bytes.find`` (memchr-fast) and confirmed with the grammar Werkzeug's decoder
accepts (RFC 2046 delimiters; CRLF, or the bare CR or LF some clients send).

What an upload of private documents needs on top: nothing is spooled to a temporary file
(plaintext must not touch the disk), the number and size of parts are bounded, text fields must
be valid UTF-8 (an undecodable title is refused, not silently "repaired"), and there is exactly
one file part, named ``file``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

import azure.functions as func
from werkzeug.http import parse_options_header

from shared.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

__all__ = ["FORM_OVERHEAD", "Upload", "read_upload"]

#: Room for the text fields and the MIME framing on top of the file itself.
FORM_OVERHEAD = 64 * 1024
_MAX_PARTS = 8
#: How far a forward search for the next delimiter goes before :func:`_find` looks backwards.
_NEAR = 64 * 1024
_MAX_FIELD_BYTES = 8 * 1024
_MAX_HEADER_BYTES = 8 * 1024  # one part's header lines; browsers send two short ones

_LINE_BREAK = rb"(?:\r\n|\n|\r)"
# After "--boundary": "--" (the close delimiter, optionally followed by a line break) or a line
# break; horizontal white space may come before either (transport padding, RFC 2046 §5.1.1).
_AFTER_DELIMITER = re.compile(rb"(--)[^\S\n\r]*%s?|[^\S\n\r]*%s" % (_LINE_BREAK, _LINE_BREAK))
_BLANK_LINE = re.compile(rb"\r\n\r\n|\r\r|\n\n")
_HEADER_CONTINUATION = re.compile(rb"%s[ \t]" % _LINE_BREAK)


class _TooLarge(Exception):
    """Too many parts, or a field or header section over its bound."""


@dataclass
class Upload:
    #: The file's bytes: a read-only view into the request body (no copy); ``bytes(data)`` copies.
    data: memoryview
    file_name: str
    declared_type: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Part:
    name: str
    file_name: str | None  # None: a text field
    content_type: str
    start: int
    end: int


def read_upload(req: func.HttpRequest, *, fields: Collection[str]) -> Upload:
    """The file part ``file`` and the named text ``fields`` (each at most once)."""
    mimetype, options = parse_options_header(req.headers.get("content-type") or "")
    boundary = options.get("boundary", "")
    if mimetype != "multipart/form-data" or not boundary:
        raise UnsupportedMediaType("expected multipart/form-data")
    body = req.get_body() or b""
    try:
        parts = _parts(body, boundary.encode("latin-1"))
    except _TooLarge:
        raise PayloadTooLarge("too many or too large form parts", limit=_MAX_FIELD_BYTES) from None
    except (ValueError, UnicodeError):  # malformed MIME, undecodable header
        raise InvalidInput("the upload form is malformed", field="file") from None
    return _upload(memoryview(body).toreadonly(), parts, set(fields))


def _parts(body: bytes, boundary: bytes) -> list[_Part]:
    """Every part's headers and where its content lies in ``body``; ``ValueError`` if malformed."""
    delimiter = b"--" + boundary
    last = body.rfind(delimiter)  # the close delimiter, near the end: found at once
    _, position, final = _delimiter(body, delimiter, 0, last, first=True)
    parts: list[_Part] = []
    while not final:
        if len(parts) == _MAX_PARTS:
            raise _TooLarge()
        blank = _BLANK_LINE.search(body, position, position + _MAX_HEADER_BYTES)
        if blank is None:
            if len(body) - position > _MAX_HEADER_BYTES:
                raise _TooLarge()
            raise ValueError("a part's headers do not end")
        headers = _headers(body[position : blank.start()])
        disposition = headers.get("content-disposition")
        if disposition is None:
            raise ValueError("a part has no Content-Disposition")
        _, options = parse_options_header(disposition)
        start = blank.end()
        end, position, final = _delimiter(body, delimiter, start, last, first=False)
        file_name = options.get("filename")
        if file_name is None and end - start > _MAX_FIELD_BYTES:
            raise _TooLarge()
        content_type = headers.get("content-type") or "application/octet-stream"
        parts.append(_Part(options.get("name") or "", file_name, content_type, start, end))
    return parts  # whatever follows the close delimiter (the epilogue) is ignored


def _delimiter(body: bytes, delimiter: bytes, start: int, last: int, *, first: bool) -> tuple[int, int, bool]:
    """The next delimiter line at or after ``start``: (where the content before it ends, where
    the next part begins, whether it is the close delimiter). Inside content, a delimiter must
    follow a line break; the first one may also open the body. ``last`` is where the delimiter's
    text occurs last in ``body`` (-1: nowhere)."""
    search = start
    while True:
        found = _find(body, delimiter, search, last)
        if found < 0:
            raise ValueError("no closing boundary")
        search = found + 1
        if found - 2 >= start and body.startswith(b"\r\n", found - 2):
            end = found - 2
        elif found - 1 >= start and body[found - 1] in b"\r\n":
            end = found - 1
        elif first and found == start:
            end = found
        else:
            continue  # the boundary's text inside the content, not a delimiter
        after = _AFTER_DELIMITER.match(body, found + len(delimiter))
        if after is not None:
            return end, after.end(), after.group(1) is not None


def _find(body: bytes, text: bytes, start: int, last: int) -> int:
    """``body.find(text, start)``, given ``last = body.rfind(text)``. A file's content is one
    long stretch without the delimiter: rather than search it forwards (~5 ms for 25 MiB),
    make sure backwards — CPython's reverse search is twice as fast — that nothing occurs
    before ``last``; then ``last`` is the next one. Anything else, a forward search finds."""
    near = body.find(text, start, start + _NEAR)
    if near >= 0 or last < start:
        return near if near >= 0 else -1
    if body.rfind(text, start, last + len(text) - 1) < 0:
        return last
    return body.find(text, start)


def _headers(raw: bytes) -> dict[str, str]:
    """A part's header lines by lower-case name (the first of each). Names and values are UTF-8,
    as browsers send file names."""
    headers: dict[str, str] = {}
    for line in _HEADER_CONTINUATION.sub(b" ", raw).splitlines():
        name, _, value = line.strip(b" \t").decode("utf-8").partition(":")
        if name:
            headers.setdefault(name.strip(" \t").lower(), value.strip(" \t"))
    return headers


def _upload(body: memoryview, parts: list[_Part], wanted: set[str]) -> Upload:
    texts: dict[str, str] = {}
    file: Upload | None = None
    for part in parts:
        if part.file_name is not None:
            if part.name != "file" or file is not None:
                raise InvalidInput("send exactly one file, as the part 'file'", field="file")
            file = Upload(body[part.start : part.end], part.file_name, part.content_type)
            continue
        if part.name not in wanted:
            raise InvalidInput("unexpected form field", field=part.name if part.name.isidentifier() else None)
        if part.name in texts:
            raise InvalidInput("a form field was sent twice", field=part.name)
        try:
            texts[part.name] = str(body[part.start : part.end], "utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("text must be valid UTF-8", field=part.name) from None
    if file is None:
        raise InvalidInput("the upload has no file", field="file")
    file.fields = texts
    return file
