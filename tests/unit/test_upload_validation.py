"""Upload validation: real minimal files of every allowed type, and every bad input the issue names."""

from __future__ import annotations

import functools
import io
import json
import os
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable

import pytest

from functions.http import problem_response
from shared.access.caller import Caller
from shared.documents import documents
from shared.documents.validation import (
    DOCX,
    XLSX,
    ArchiveTooLarge,
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
from shared.ports import CONTAINERS, Item, Ports

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


MiB = 1024 * 1024


def _docx_with(extra: Callable[[zipfile.ZipFile], None]) -> bytes:
    """A minimal DOCX plus whatever ``extra`` writes; parts are written in 1 MiB steps (no test
    holds a whole bomb unpacked either)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in DOCX_PARTS.items():
            archive.writestr(name, body)
        extra(archive)
    return buffer.getvalue()


def _part(name: str, mib: int, *, chunk: bytes = b"\x00" * MiB) -> Callable[[zipfile.ZipFile], None]:
    def write(archive: zipfile.ZipFile) -> None:
        with archive.open(name, "w") as part:
            for _ in range(mib):
                part.write(chunk)

    return write


def _lying(name: str, mib: int, declared: int) -> Callable[[zipfile.ZipFile], None]:
    """A part whose central directory declares ``declared`` bytes (ratio and total look fine)."""

    def write(archive: zipfile.ZipFile) -> None:
        _part(name, mib)(archive)
        archive.getinfo(name).file_size = declared  # written to the central directory on close

    return write


def _overlapping(name: str, copies: int) -> Callable[[zipfile.ZipFile], None]:
    """One packed 1 MiB part listed ``copies`` times: every listing points at the same bytes."""

    def write(archive: zipfile.ZipFile) -> None:
        _part(name, 1)(archive)
        archive.filelist += [archive.getinfo(name)] * (copies - 1)

    return write


def _many(count: int, mib: int) -> Callable[[zipfile.ZipFile], None]:
    def write(archive: zipfile.ZipFile) -> None:
        for i in range(count):
            _part(f"word/media/image{i}.bin", mib)(archive)

    return write


# Built when a test asks (functools.cache), not when pytest collects: they take a moment.
BOMBS: dict[str, Callable[[zipfile.ZipFile], None]] = {
    "one part 1000x its packed size": _part("word/media/bomb.xml", 60),  # the probe's file
    "over 100 MiB in all, each part harmless": _many(101, 1),
    "60 parts of 1 MiB, each within the part limits": _many(60, 1),
    "declared small, really large": _lying("word/document2.xml", 60, declared=1000),
    "declared small, really a little larger": _lying("word/document2.xml", 1, declared=MiB - 1),
    "one packed part listed 60 times": _overlapping("word/media/a.bin", 60),
    "declared 200 MiB, refused before inflating": _lying("word/media/big.bin", 1, declared=200 * MiB),
}


@functools.cache
def bomb(kind: str) -> bytes:
    return _docx_with(BOMBS[kind])


@pytest.mark.parametrize("kind", BOMBS)
def test_a_zip_bomb_is_refused(kind: str) -> None:
    data = bomb(kind)
    assert len(data) < 200_000
    assert detect_type(data) == DOCX  # a well-formed DOCX as far as its listing goes
    error = _raises(ArchiveTooLarge, "archive_too_large", data, DOCX, "bombe.docx")
    assert (error.field, error.params) == ("file", {"limit": 100, "ratio": 100})


def test_a_bomb_is_inflated_in_small_steps_and_only_up_to_its_cap() -> None:
    data = bomb("declared small, really large")  # passes every declared check: really inflated
    tracemalloc.start()
    try:
        with pytest.raises(ArchiveTooLarge):
            validate_upload(data, DOCX, "bombe.docx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MiB  # 60 MiB inside; its cap (100x its packed size) is about 6 MiB


def test_an_xlsx_bomb_is_refused_too() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in XLSX_PARTS.items():
            archive.writestr(name, body)
        _part("xl/sharedStrings.xml", 30, chunk=b"<si><t>A</t></si>" * 61681)(archive)
    _raises(ArchiveTooLarge, "archive_too_large", buffer.getvalue(), XLSX, "bombe.xlsx")


def test_a_large_real_world_docx_is_accepted() -> None:
    """20 MiB of photos (stored: JPEG does not pack) and a long text (packs about 10x)."""
    paragraphs = b"".join(b"<w:p><w:r><w:t>Absatz %d: Pensum 50 %%, ab 1. M\xc3\xa4rz.</w:t></w:r></w:p>" % i
                          for i in range(60_000))  # fmt: skip

    def media(archive: zipfile.ZipFile) -> None:
        archive.writestr("word/footnotes.xml", paragraphs)  # a long text, a few MiB
        for i in range(4):
            archive.writestr(f"word/media/image{i}.jpeg", os.urandom(5 * MiB), zipfile.ZIP_STORED)
        _part("word/media/blank.bmp", 1)(archive)  # 1 MiB of zeros: well packed, but small

    data = _docx_with(media)
    assert validate_upload(data, DOCX, "Arbeitsplatz mit Fotos.docx").media_type == DOCX


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda info: setattr(info, "file_size", info.file_size + 1), "declared longer than it is"),
        (lambda info: setattr(info, "compress_type", zipfile.ZIP_BZIP2), "not stored or deflated"),
        (lambda info: setattr(info, "flag_bits", info.flag_bits | 0x1), "encrypted"),
        (lambda info: setattr(info, "filename", "word/other.xml"), "local header names another part"),
    ],
)
def test_a_part_the_listing_misdescribes_is_unsupported(
    change: Callable[[zipfile.ZipInfo], None], why: str
) -> None:
    def misdescribe(archive: zipfile.ZipFile) -> None:
        archive.writestr("word/styles.xml", b"<w:styles/>" * 100)
        change(archive.getinfo("word/styles.xml"))

    data = _docx_with(misdescribe)
    _raises(UnsupportedFileType, "unsupported_file_type", data, DOCX, why.replace(" ", "-") + ".docx")


def test_a_refused_bomb_leaves_no_blob_and_no_metadata(wired: Ports) -> None:
    ports, owner = wired, Caller.user("u-anna", "req-1", case_id="c1")
    ports.store.create("cases", {"id": "case", "caseId": "c1", "type": "case", "orgId": "o1",
                                 "status": "open", "employeeUserId": "u-anna"})  # fmt: skip
    ports.store.create("cases", {"id": "participant-u-anna", "caseId": "c1", "type": "participant",
                                 "userId": "u-anna", "role": "employee", "status": "active"})  # fmt: skip
    ports.case_keys.create("c1")
    form = {"declared_type": DOCX, "title": "Zielvereinbarung", "category": "target_agreement"}

    def everything() -> dict[str, list[Item]]:
        return {container: list(ports.store.scan(container)) for container in CONTAINERS}

    before = everything()
    with pytest.raises(ArchiveTooLarge):
        documents.upload(
            ports, owner, "c1", data=bomb("declared small, really large"), file_name="z.docx", **form
        )
    assert (everything(), list(ports.blobs.list())) == (before, [])
    documents.upload(ports, owner, "c1", data=_zip(DOCX_PARTS), file_name="z.docx", **form)
    assert len(list(ports.blobs.list())) == 1  # the same call stores a real document


@pytest.mark.parametrize(("language", "words"), [("en", "Word or Excel"), ("de", "Word- oder Excel")])
def test_the_refusal_is_a_localised_400_with_a_stable_code(language: str, words: str) -> None:
    with pytest.raises(ArchiveTooLarge) as caught:
        validate_upload(bomb("one part 1000x its packed size"), DOCX, "bombe.docx")
    response = problem_response(caught.value, language, "corr-0001")
    body = json.loads(response.get_body())
    assert (response.status_code, body["code"], body["errors"][0]["field"]) == (
        400,
        "archive_too_large",
        "file",
    )
    assert words in body["detail"] and "100 MiB" in body["detail"] and "{" not in body["detail"]


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
