"""Upload checks that run before a document is encrypted or stored (SPEC journey 6).

Why it is shaped like this:

* The type is decided by the *content* (magic bytes), never by the name or the browser's claim;
  the declared type and the file extension must then agree with it, so a file cannot be shown or
  opened as something it is not (an executable renamed ``.pdf``, a script sent as ``text/plain``).
* DOCX and XLSX are ZIP containers, and every recipient's Office unpacks them: a "zip bomb" (a few
  KB that unpack to gigabytes) must not be stored. Entries are counted by their signature first, so
  a directory with hundreds of thousands of tiny entries is refused before ``zipfile`` lists them.
  Then the declared sizes are checked (total, and packed-to-unpacked ratio per part), and — because
  declared sizes can lie — every part is really inflated, in 64 KiB steps that are counted and
  dropped, aborting at its cap: memory stays bounded and the work stops at the limit. Overlapping
  entries (one packed stream counted as many parts) are refused too. These checks run last, after
  the cheap ones.
* Size is checked first, before any parsing. File names are sanitised, not trusted: they are only
  ever shown and offered on download (blob names are opaque ids, ARCHITECTURE §4).
* Error params never carry the user's file name or declared type: messages may be logged.
* The content may be a ``memoryview`` into the request body (functions/http/uploads.py): every
  check reads it in place or in bounded steps, none copies the whole document (issue 13).
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from shared import config
from shared.errors import ConfigurationError, InvalidInput, PayloadTooLarge, UnsupportedMediaType

__all__ = ["MEDIA_TYPES", "ArchiveTooLarge", "Content", "EmptyFile", "FileTypeMismatch", "InvalidFileName",
           "UnsupportedFileType", "ValidatedUpload", "detect_type", "max_upload_bytes", "sanitise_file_name",
           "validate_title", "validate_upload"]  # fmt: skip

#: A document's bytes: ``bytes``, or a view into the request body that holds them (no copy).
Content = bytes | bytearray | memoryview

PDF, PNG, JPEG, TXT = "application/pdf", "image/png", "image/jpeg", "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: canonical media type → file extensions that may carry it
MEDIA_TYPES: dict[str, tuple[str, ...]] = {PDF: (".pdf",), PNG: (".png",), JPEG: (".jpg", ".jpeg"),
                                           DOCX: (".docx",), XLSX: (".xlsx",), TXT: (".txt",)}  # fmt: skip
_ALIASES = {"image/jpg": JPEG}
_TEXT_CHARSETS = {"utf-8", "utf8", "us-ascii"}

_DEFAULT_MAX_UPLOAD = 26_214_400  # 25 MiB
_MAX_UPLOAD_CEILING = 104_857_600  # the Functions host refuses bodies over 100 MB anyway
_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal (and Java class files)
    b"#!",  # scripts with an interpreter line
)  # fmt: skip
# OOXML parts never contain these; a container that does is carrying something else.
_FORBIDDEN_IN_ZIP = (".exe", ".dll", ".com", ".scr", ".bat", ".cmd", ".ps1", ".vbs", ".js", ".jar",
                     ".msi", ".sh", ".lnk", "vbaproject.bin")  # fmt: skip
_MAX_ZIP_ENTRIES = 10_000  # real Office documents have tens to a few hundred parts
# What a DOCX/XLSX may unpack to. Real documents unpack to a few MiB: their XML packs 5–20×, and
# their media (JPEG, PNG) are stored as they are, so a 25 MiB upload unpacks to little more.
_MAX_UNPACKED_MIB = 100  # all parts together
_MAX_RATIO = 100  # unpacked / packed, per part and in all: Apache POI's default minimum ratio 0.01
_RATIO_GRACE = 1024 * 1024  # up to 1 MiB may pack better than that: it harms nobody
_INFLATE_STEP = 64 * 1024  # output per inflate call: all the memory the check holds at once
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # APPNOTE 4.3.7: signature … name length, extra length
_UTF8_NAME = 0x800  # general purpose flag bit 11: the name is UTF-8, else CP437
_TEXT_CONTROLS = bytes(set(range(32)) - {9, 10, 12, 13} | {127})  # C0 controls except \t \n \f \r
_TEXT_STEP = 1024 * 1024  # text is checked a slice at a time: memory stays bounded
_CENTRAL_HEADER = re.compile(re.escape(b"PK\x01\x02"))
_WINDOWS_FORBIDDEN = dict.fromkeys(map(ord, '<>:"|?*'))
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
_RESERVED |= {f"{p}{n}" for p in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]}
_MAX_NAME, _MAX_TITLE = 120, 200
_HIDDEN = {"Cc", "Cf", "Cs"}  # controls, format characters (bidi overrides, zero-width), surrogates
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


class EmptyFile(InvalidInput):
    code = "empty_file"


class UnsupportedFileType(UnsupportedMediaType):
    code = "unsupported_file_type"


class FileTypeMismatch(InvalidInput):
    code = "file_type_mismatch"


class InvalidFileName(InvalidInput):
    code = "invalid_file_name"


class ArchiveTooLarge(InvalidInput):
    """A DOCX/XLSX that unpacks to far more than a real document does, or hides how much (a zip bomb)."""

    code = "archive_too_large"


@dataclass(frozen=True)
class ValidatedUpload:
    media_type: str  # canonical, decided by content
    file_name: str  # sanitised
    size: int


def max_upload_bytes() -> int:
    """``CASEDESK_MAX_UPLOAD_BYTES``, default 25 MiB. Read per call, never at import time."""
    limit = config.int_setting("CASEDESK_MAX_UPLOAD_BYTES")
    if not 1 <= limit <= _MAX_UPLOAD_CEILING:
        raise ConfigurationError(f"CASEDESK_MAX_UPLOAD_BYTES must be between 1 and {_MAX_UPLOAD_CEILING}")
    return limit


def detect_type(data: Content) -> str | None:
    """The canonical media type the content proves, or ``None`` (executables included)."""
    head = bytes(memoryview(data)[:16])  # every signature below is shorter
    if not head or head.startswith(_EXECUTABLE_MAGIC):
        return None
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_type(data)
    return TXT if _is_text(data) else None


class _ViewFile(io.RawIOBase):
    """A read-only, seekable file over a buffer, for ``zipfile``: ``io.BytesIO`` would copy a
    ``memoryview`` whole (it shares only ``bytes``)."""

    def __init__(self, data: Content) -> None:
        super().__init__()
        self._view, self._position = memoryview(data).cast("B"), 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        chunk = self._view[self._position : self._position + len(target)]
        target[: len(chunk)] = chunk
        self._position += len(chunk)
        return len(chunk)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: len(self._view)}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position


def _ooxml_type(data: Content) -> str | None:
    names = _zip_names(data)
    if names is None or "[content_types].xml" not in names:
        return None
    if any(n.endswith(_FORBIDDEN_IN_ZIP) or n.startswith("/") or ".." in n.split("/") for n in names):
        return None
    if "word/document.xml" in names:
        return DOCX
    return XLSX if "xl/workbook.xml" in names else None


def _zip_names(data: Content) -> list[str] | None:
    """Entry names (lower case, ``/``-separated) from the central directory; ``None`` if broken."""
    # Every entry zipfile parses starts with this signature, so the count bounds the work and
    # memory that listing can cost, whatever the end record claims.
    signatures: Iterator[object] = _CENTRAL_HEADER.finditer(data)
    if sum(1 for _ in islice(signatures, _MAX_ZIP_ENTRIES + 1)) > _MAX_ZIP_ENTRIES:
        return None
    try:
        with zipfile.ZipFile(_ViewFile(data)) as archive:
            names = archive.namelist()  # central directory only: nothing is decompressed
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, NotImplementedError, EOFError, OSError):
        return None
    return [n.replace("\\", "/").lower() for n in names]


def _check_unpacked_size(data: Content) -> None:
    """Refuse a ZIP whose parts unpack too far, or that is broken in a way the listing missed."""
    with zipfile.ZipFile(_ViewFile(data)) as archive:  # it listed cleanly in detect_type
        entries = sorted(archive.infolist(), key=lambda entry: entry.header_offset)
    # The ratio in all as well: many small parts, each within its own grace, add up.
    budget = min(_MAX_UNPACKED_MIB * 1024 * 1024, max(_RATIO_GRACE, len(data) * _MAX_RATIO))
    if sum(e.file_size for e in entries) > budget or any(e.file_size > _part_cap(e) for e in entries):
        raise _too_large("declared sizes over the limits")
    view = memoryview(data)
    ends = [e.header_offset for e in entries[1:]] + [len(data)]
    for entry, end in zip(entries, ends, strict=True):
        budget -= _inflated_size(entry, _packed(view, entry, end), min(budget, _part_cap(entry)))


def _part_cap(entry: zipfile.ZipInfo) -> int:
    return max(_RATIO_GRACE, entry.compress_size * _MAX_RATIO)


def _too_large(reason: str) -> ArchiveTooLarge:
    return ArchiveTooLarge(reason, field="file", limit=_MAX_UNPACKED_MIB, ratio=_MAX_RATIO)


def _unsupported(reason: str) -> UnsupportedFileType:
    return UnsupportedFileType(reason, field="file")


def _packed(view: memoryview, entry: zipfile.ZipInfo, end: int) -> memoryview:
    """The entry's packed bytes (no copy), which must end before the next entry begins."""
    header = view[max(entry.header_offset, 0) : entry.header_offset + _LOCAL_HEADER.size]
    if entry.header_offset < 0 or len(header) < _LOCAL_HEADER.size:
        raise _unsupported("local header missing")
    signature, _, flags, *_, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    start = entry.header_offset + _LOCAL_HEADER.size
    name = bytes(view[start : start + name_length])
    # A reader that walks the local headers must see the names the central directory showed us.
    local_name = name.decode("utf-8" if flags & _UTF8_NAME else "cp437", errors="replace")
    if signature != b"PK\x03\x04" or local_name != entry.orig_filename:
        raise _unsupported("local header does not match the central directory")
    if entry.flag_bits & 0x1 or entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _unsupported("encrypted or not stored/deflated: no OOXML part is")
    start += name_length + extra_length
    if start + entry.compress_size > end:  # overlapping entries: one stream counted many times
        raise _too_large("entries overlap")
    return view[start : start + entry.compress_size]


def _inflated_size(entry: zipfile.ZipInfo, packed: memoryview, cap: int) -> int:
    """The part's real unpacked size; ``ArchiveTooLarge`` as soon as it passes ``cap``."""
    if entry.compress_type == zipfile.ZIP_STORED:
        size = len(packed)
    else:
        inflater, size = zlib.decompressobj(-zlib.MAX_WBITS), 0
        try:
            for offset in range(0, len(packed), _INFLATE_STEP):
                pending: memoryview | bytes = packed[offset : offset + _INFLATE_STEP]
                while pending and not inflater.eof:
                    size += len(inflater.decompress(pending, _INFLATE_STEP))
                    if size > cap:
                        raise _too_large("a part unpacks past its cap")
                    pending = inflater.unconsumed_tail
            size += len(inflater.flush())  # all input is in: what zlib still holds is a few KB at most
        except zlib.error as exc:
            raise _unsupported("a part is not a valid deflate stream") from exc
        if not inflater.eof:
            raise _unsupported("a part is truncated")
    if size > cap or size > entry.file_size:  # declared small, really large: the header lies
        raise _too_large("a part is larger than declared")
    if size < entry.file_size:
        raise _unsupported("a part is shorter than declared")
    return size


def _is_text(data: Content) -> bool:
    """UTF-8 without NUL and with at most 1 % stray controls, checked a slice at a time (a
    sequence split between two slices is completed by the incremental decoder)."""
    body = memoryview(data).cast("B")
    if bytes(body[:3]) == b"\xef\xbb\xbf":  # a UTF-8 BOM is fine
        body = body[3:]
    if not body:
        return False
    decoder, controls = codecs.getincrementaldecoder("utf-8")(), 0
    try:
        for offset in range(0, len(body), _TEXT_STEP):
            piece = bytes(body[offset : offset + _TEXT_STEP])
            if b"\x00" in piece:
                return False
            if not piece.isascii() or decoder.getstate()[0]:
                decoder.decode(piece)  # the text itself is not kept
            # C0 controls are single bytes in UTF-8, never inside a multi-byte sequence.
            controls += len(piece) - len(piece.translate(None, _TEXT_CONTROLS))
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return controls * 100 <= len(body)  # mostly printable: at most 1 % stray controls


def _canonical(declared: str) -> tuple[str, dict[str, str]]:
    media_type, *raw = declared.split(";")
    params = {k.strip().lower(): v.strip().strip('"').lower() for k, _, v in (p.partition("=") for p in raw)}
    media_type = media_type.strip().lower()
    return _ALIASES.get(media_type, media_type), params


def validate_upload(data: Content, declared_type: str, file_name: str) -> ValidatedUpload:
    """Check size, content type, declared type and extension; return what may be stored."""
    limit = max_upload_bytes()
    if len(data) > limit:
        raise PayloadTooLarge("document over the upload limit", limit=limit)
    if not data:
        raise EmptyFile("the file is empty", field="file")
    name = sanitise_file_name(file_name)
    detected = detect_type(data)
    if detected is None:
        raise UnsupportedFileType("content is not an allowed document type", field="file")
    declared, params = _canonical(declared_type)
    if declared != detected or (detected == TXT and params.get("charset", "utf-8") not in _TEXT_CHARSETS):
        raise FileTypeMismatch("declared type differs from the content", field="file", detected=detected)
    if not name.lower().endswith(MEDIA_TYPES[detected]):
        raise FileTypeMismatch("extension differs from the content", field="fileName", detected=detected)
    if detected in (DOCX, XLSX):
        _check_unpacked_size(data)  # last: the one check whose work grows with the content
    return ValidatedUpload(media_type=detected, file_name=name, size=len(data))


def sanitise_file_name(name: str) -> str:
    """A name safe to show and to offer on download on any OS, or ``InvalidFileName``.

    What no browser sends — path separators, control characters, bidi overrides (which make
    "fdp.exe" read as ".pdf") — is refused: only a crafted request carries them. What ordinary
    names do contain is tidied: Unicode normalised to NFC, invisible format characters (e.g.
    zero-width spaces from copy and paste) and characters Windows forbids removed, runs of
    spaces collapsed, leading and trailing dots and spaces stripped, the length capped.
    """
    if any(c in "/\\" or c in _BIDI_CONTROLS or unicodedata.category(c) in ("Cc", "Cs") for c in name):
        raise InvalidFileName("path separators and control characters are not allowed", field="fileName")
    kept = (c for c in name if unicodedata.category(c) not in _HIDDEN)
    text = unicodedata.normalize("NFC", "".join(kept))
    text = " ".join(text.translate(_WINDOWS_FORBIDDEN).split()).strip(" .")
    if len(text) > _MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        if dot and stem and len(ext) <= 16:
            text = stem[: _MAX_NAME - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            text = text[:_MAX_NAME].rstrip(" .")
    if not text:
        raise InvalidFileName("no usable file name remains", field="fileName")
    if text.split(".", 1)[0].rstrip().upper() in _RESERVED:
        raise InvalidFileName("reserved device name", field="fileName")
    return text


def validate_title(title: str) -> str:
    """NFC, trimmed, 1–200 characters, no control, bidi-override or surrogate characters."""
    text = unicodedata.normalize("NFC", title).strip()
    if not 1 <= len(text) <= _MAX_TITLE:
        raise InvalidInput("a title has 1 to 200 characters", field="title", max=_MAX_TITLE)
    if any(unicodedata.category(c) in ("Cc", "Cs") or c in _BIDI_CONTROLS for c in text):
        raise InvalidInput("a title must not contain control characters", field="title")
    return text
