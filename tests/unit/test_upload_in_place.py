"""An upload is read and checked where it lies in the request body (issue 13): the file part is a
``memoryview`` of the body, validation works on it without copying the document, and gives the
same answers as on ``bytes``."""

from __future__ import annotations

import os
import tracemalloc

import azure.functions as func
import pytest

from functions.http.uploads import read_upload
from shared.documents.validation import (
    DOCX,
    XLSX,
    FileTypeMismatch,
    UnsupportedFileType,
    detect_type,
    validate_upload,
)
from tests.api.client import multipart_form
from tests.unit.test_upload_validation import DOCX_PARTS, JPEG, PDF, PNG, TEXT, XLSX_PARTS, _zip

STEP = 1024 * 1024  # the slice the text check reads at a time


@pytest.fixture(autouse=True)
def default_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEDESK_MAX_UPLOAD_BYTES", raising=False)


def _request(body: bytes, content_type: str) -> func.HttpRequest:
    return func.HttpRequest(
        "POST", "http://127.0.0.1/api/x", headers={"Content-Type": content_type}, body=body
    )


def _view(data: bytes) -> memoryview:
    """``data`` as a slice in the middle of a larger buffer, as the file part of a body is."""
    return memoryview(b"head" + data + b"tail")[4:-4]


def test_the_file_part_is_a_view_into_the_body() -> None:
    data = os.urandom(3 * STEP)
    body, content_type = multipart_form(("a.pdf", "application/pdf", data), title="T")
    upload = read_upload(_request(body, content_type), fields=("title",))
    assert isinstance(upload.data, memoryview) and upload.data.obj is body
    assert upload.data.readonly and upload.data == data and upload.fields == {"title": "T"}


@pytest.mark.parametrize(
    ("data", "declared", "name"),
    [
        (PDF, "application/pdf", "a.pdf"),
        (PNG, "image/png", "a.png"),
        (JPEG, "image/jpeg", "a.jpg"),
        (_zip(DOCX_PARTS), DOCX, "a.docx"),
        (_zip(XLSX_PARTS), XLSX, "a.xlsx"),
        (TEXT, "text/plain", "a.txt"),
        (b"\xef\xbb\xbf" + TEXT, "text/plain", "a.txt"),
    ],
)
def test_a_view_validates_like_bytes(data: bytes, declared: str, name: str) -> None:
    assert validate_upload(_view(data), declared, name) == validate_upload(data, declared, name)
    assert detect_type(_view(data)) == detect_type(data)


def test_text_is_checked_across_slices() -> None:
    # A two-byte character split between the first and the second slice is still text.
    split = b"a" * (STEP - 1) + "ä".encode() + b"b" * 100
    assert validate_upload(_view(split), "text/plain", "a.txt").media_type == "text/plain"
    # A sequence cut off at the very end, or a NUL in a later slice, is not.
    for bad in (b"a" * (STEP + 10) + "ä".encode()[:1], b"a" * (STEP + 10) + b"\x00" + b"a"):
        with pytest.raises(UnsupportedFileType):
            validate_upload(_view(bad), "text/plain", "a.txt")
    with pytest.raises(FileTypeMismatch):
        validate_upload(_view(split), "application/pdf", "a.pdf")


def test_reading_and_checking_an_upload_copies_no_document() -> None:
    data = b"%PDF-1.7\n" + os.urandom(8 * STEP)
    body, content_type = multipart_form(("a.pdf", "application/pdf", data), title="T", category="other")
    request = _request(body, content_type)
    tracemalloc.start()
    try:
        upload = read_upload(request, fields=("title", "category"))
        validate_upload(upload.data, upload.declared_type, upload.file_name)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < STEP // 4, peak  # the document is 8 MiB; a single copy would show here
