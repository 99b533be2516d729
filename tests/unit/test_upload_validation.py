"""Upload validation: real minimal files of every allowed type, and every bad input the issue names."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from shared.documents.validation import (
    DOCX,
    XLSX,
    EmptyFile,
    FileTypeMismatch,
    InvalidFileName,
    UnsupportedFileType,
    detect_type,
    max_upload_bytes,
    sanitise_file_name,
    validate_title,
    validate_upload,
)
from shared.errors import ConfigurationError, InvalidInput, PayloadTooLarge, UnsupportedMediaType

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
TEXT = "Arbeitsplatzbeschreibung: Büro, 50 %, ab 1. März.\n".encode()
MZ = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run"
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    idat = zlib.compress(b"\x00\xff\x00\x00")  # filter byte + one red pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return buffer.getvalue()


TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
DOCX_PARTS = {"[Content_Types].xml": TYPES, "_rels/.rels": b"<Relationships/>", "word/document.xml": b"<w/>"}
XLSX_PARTS = {
    "[Content_Types].xml": TYPES,
    "xl/workbook.xml": b"<workbook/>",
    "xl/worksheets/sheet1.xml": b"<s/>",
}
PNG = _png()


@pytest.fixture(autouse=True)
def default_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEDESK_MAX_UPLOAD_BYTES", raising=False)


@pytest.mark.parametrize(
    ("data", "declared", "name", "expected"),
    [
        (PDF, "application/pdf", "Arztzeugnis.pdf", "application/pdf"),
        (PNG, "image/png", "scan.PNG", "image/png"),
        (JPEG, "image/jpeg", "foto.jpg", "image/jpeg"),
        (JPEG, "image/jpg", "foto.jpeg", "image/jpeg"),
        (_zip(DOCX_PARTS), DOCX, "Zielvereinbarung.docx", DOCX),
        (_zip(XLSX_PARTS), XLSX, "Pensum.xlsx", XLSX),
        (TEXT, "text/plain", "notiz.txt", "text/plain"),
        (b"\xef\xbb\xbf" + TEXT, "text/plain; charset=UTF-8", "notiz.txt", "text/plain"),
        (PDF, "Application/PDF", "a.pdf", "application/pdf"),
    ],
)
def test_each_allowed_type_is_accepted(data: bytes, declared: str, name: str, expected: str) -> None:
    upload = validate_upload(data, declared, name)
    assert (upload.media_type, upload.file_name, upload.size) == (expected, name, len(data))
    assert detect_type(data) == expected


def _raises(error: type[InvalidInput], code: str, data: bytes, declared: str, name: str) -> InvalidInput:
    with pytest.raises(error) as caught:
        validate_upload(data, declared, name)
    assert caught.value.code == code
    assert name not in repr(caught.value.params)  # params may be logged: no user data
    return caught.value


@pytest.mark.parametrize(
    ("data", "declared", "name"),
    [
        (MZ, "application/pdf", "rechnung.pdf"),  # disguised Windows executable
        (ELF, "text/plain", "readme.txt"),
        (b"#!/bin/sh\nrm -rf ~\n", "text/plain", "notes.txt"),  # a script is text, but not a document
        (b"\xfe\xed\xfa\xcf" + b"\x00" * 28, "application/pdf", "x.pdf"),  # Mach-O
        (_zip({**DOCX_PARTS, "evil.exe": MZ}), DOCX, "bericht.docx"),
        (_zip({**DOCX_PARTS, "word/vbaProject.bin": b"macro"}), DOCX, "bericht.docx"),
        (_zip({**DOCX_PARTS, "../../evil.txt": b"x"}), DOCX, "bericht.docx"),
        (_zip({"notes.txt": b"plain zip"}), "application/zip", "archiv.zip"),
        (_zip({"[Content_Types].xml": TYPES, "other.xml": b"<x/>"}), DOCX, "x.docx"),  # not Word, not Excel
        (b"PK\x03\x04 truncated, no central directory", DOCX, "x.docx"),
        (b"\xff\xfe\xfa", "text/plain", "kaputt.txt"),  # invalid UTF-8
        (b"abc\x00def", "text/plain", "nullbyte.txt"),
        (b"\x01\x02\x03\x04 mostly controls \x05\x06\x07\x08", "text/plain", "ctl.txt"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif", "bild.gif"),
    ],
)
def test_executables_containers_and_unknown_content_are_unsupported(
    data: bytes, declared: str, name: str
) -> None:
    error = _raises(UnsupportedFileType, "unsupported_file_type", data, declared, name)
    assert isinstance(error, UnsupportedMediaType)  # → 415 through the existing status table
    assert detect_type(data) is None


def test_a_zip_with_too_many_entries_is_refused_before_listing() -> None:
    data = _zip({**DOCX_PARTS, **{f"customXml/item{i}.xml": b"" for i in range(10_001)}})
    _raises(UnsupportedFileType, "unsupported_file_type", data, DOCX, "viele.docx")


def test_a_zip_bomb_is_never_decompressed(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _zip({**DOCX_PARTS, "word/media/bomb.xml": b"\x00" * 50_000_000})  # 50 MB → ~50 kB
    assert len(data) < 100_000

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("validation must not decompress")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    assert validate_upload(data, DOCX, "bombe.docx").media_type == DOCX


@pytest.mark.parametrize(
    ("data", "declared", "name"),
    [
        (PDF, "image/png", "a.pdf"),  # wrong declared type
        (PNG, "image/jpeg", "a.png"),
        (_zip(DOCX_PARTS), XLSX, "a.xlsx"),
        (TEXT, "text/plain; charset=iso-8859-1", "a.txt"),
        (TEXT, "application/octet-stream", "a.txt"),
        (PDF, "application/pdf", "a.exe"),  # extension does not fit the content
        (PNG, "image/png", "a.pdf"),
        (JPEG, "image/jpeg", "foto"),
        (TEXT, "text/plain", "script.bat"),
    ],
)
def test_declared_type_and_extension_must_fit_the_content(data: bytes, declared: str, name: str) -> None:
    _raises(FileTypeMismatch, "file_type_mismatch", data, declared, name)


def test_an_empty_file_is_refused() -> None:
    error = _raises(EmptyFile, "empty_file", b"", "text/plain", "leer.txt")
    assert error.field == "file"


def test_the_size_limit_comes_from_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_MAX_UPLOAD_BYTES", str(len(PDF)))
    assert validate_upload(PDF, "application/pdf", "a.pdf").size == len(PDF)
    with pytest.raises(PayloadTooLarge) as caught:
        validate_upload(PDF + b"\n", "application/pdf", "a.pdf")
    assert caught.value.code == "payload_too_large"
    assert caught.value.params == {"limit": len(PDF)}


def test_the_size_is_checked_before_the_content(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_MAX_UPLOAD_BYTES", "4")
    with pytest.raises(PayloadTooLarge):
        validate_upload(MZ, "application/pdf", "../CON")


def test_the_default_limit_is_25_mib() -> None:
    assert max_upload_bytes() == 25 * 1024 * 1024


@pytest.mark.parametrize("value", ["lots", "0", "-1", "1e6", str(200 * 1024 * 1024)])
def test_a_bad_limit_setting_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CASEDESK_MAX_UPLOAD_BYTES", value)
    with pytest.raises(ConfigurationError, match="CASEDESK_MAX_UPLOAD_BYTES"):
        max_upload_bytes()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("zero\u200bwidth.txt", "zerowidth.txt"),
        ('what<>:"|?*.txt', "what.txt"),
        ("  viele    Leer zeichen .pdf. ", "viele Leer zeichen .pdf"),
        (".hidden.txt", "hidden.txt"),
        ("Zu\u0308rich.pdf", "Zürich.pdf"),  # NFC: one code point, as macOS and Windows disagree
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
        ("y" * 300, "y" * 120),
    ],
)
def test_file_names_are_sanitised(name: str, expected: str) -> None:
    assert sanitise_file_name(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        *("   ", "", "..", "\u200b", "CON.txt", "con", "NUL", "lpt1.pdf", "COM9 .x"),
        # What no browser sends: path separators (traversal), controls, bidi overrides.
        *("../../etc/passwd.pdf", "..\\..\\boot.ini", "C:\\Users\\anna\\Bericht.pdf", "a/", "../.."),
        *("a\x00b.pdf", "tab\there.pdf", "new\nline.pdf", "bell\x07.pdf", "del\x7f.pdf"),
        *("rtl\u202efdp.exe", "iso\u2066late.pdf", "\ud800.pdf"),
    ],
)
def test_unusable_reserved_or_crafted_file_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidFileName) as caught:
        sanitise_file_name(name)
    assert (caught.value.code, caught.value.field) == ("invalid_file_name", "fileName")


def test_a_crafted_name_is_refused_before_the_content_is_looked_at() -> None:
    _raises(InvalidFileName, "invalid_file_name", PDF, "application/pdf", "../../x/../bericht.pdf")
    _raises(InvalidFileName, "invalid_file_name", TEXT, "text/plain", "CON.txt")
    _raises(FileTypeMismatch, "file_type_mismatch", TEXT, "text/plain", "passwd")


def test_titles_are_normalised_and_trimmed() -> None:
    assert validate_title("  Arbeitsplatzbeschreibung Zu\u0308rich ") == "Arbeitsplatzbeschreibung Zürich"
    assert validate_title("t" * 200) == "t" * 200
    assert validate_title("Familie \U0001f468\u200d\U0001f469") == "Familie \U0001f468\u200d\U0001f469"


@pytest.mark.parametrize(
    "title", ["t" * 300, "t" * 201, "", "   ", "a\x00b", "line\nbreak", "rtl\u202etxt.exe", "bad\ud800"]
)
def test_bad_titles_are_refused(title: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_title(title)
    assert (caught.value.code, caught.value.field) == ("invalid_input", "title")
