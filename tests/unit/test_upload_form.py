"""The HTTP side of uploads: reading the multipart form (functions/http/uploads.py) and the download
header (functions/documents.py), without a server."""

from __future__ import annotations

import azure.functions as func
import pytest

from functions.documents import content_disposition
from functions.http.uploads import read_upload
from shared.errors import CaseDeskError, InvalidInput, PayloadTooLarge, UnsupportedMediaType
from tests.api.client import multipart_form


def request(body: bytes, content_type: str) -> func.HttpRequest:
    return func.HttpRequest(
        "POST", "http://127.0.0.1/api/x", headers={"Content-Type": content_type}, body=body
    )


def test_a_form_yields_the_file_and_the_named_fields() -> None:
    body, content_type = multipart_form(("Zürich Plan.pdf", "application/pdf", b"%PDF-1"), title="Plan ä")
    upload = read_upload(request(body, content_type), fields=("title", "category"))
    assert (upload.data, upload.file_name, upload.declared_type) == (
        b"%PDF-1",
        "Zürich Plan.pdf",
        "application/pdf",
    )
    assert upload.fields == {"title": "Plan ä"}


def test_a_large_file_arrives_intact_across_chunks() -> None:
    data = bytes(range(256)) * 20_000  # 5 MB: several decoder chunks, boundary-like bytes inside
    body, content_type = multipart_form(("a.bin", "application/octet-stream", data))
    assert read_upload(request(body, content_type), fields=()).data == data


@pytest.mark.parametrize(
    ("content_type", "error"),
    [("application/json", UnsupportedMediaType), ("multipart/form-data", UnsupportedMediaType)],
)
def test_only_multipart_with_a_boundary_is_read(content_type: str, error: type[CaseDeskError]) -> None:
    with pytest.raises(error):
        read_upload(request(b"{}", content_type), fields=())


def test_bad_forms_are_refused_with_the_field_named() -> None:
    body, content_type = multipart_form(None, title="x")
    with pytest.raises(InvalidInput) as caught:
        read_upload(request(body, content_type), fields=("title",))
    assert caught.value.field == "file"
    body, content_type = multipart_form(("a.txt", "text/plain", b"x"), colour="red")
    with pytest.raises(InvalidInput) as caught:
        read_upload(request(body, content_type), fields=("title",))
    assert caught.value.field == "colour"
    body, content_type = multipart_form(("a.txt", "text/plain", b"x"), title=b"\xff\xfe")
    with pytest.raises(InvalidInput) as caught:
        read_upload(request(body, content_type), fields=("title",))
    assert caught.value.field == "title"
    with pytest.raises(InvalidInput):
        read_upload(request(b"--b\r\ngarbage", "multipart/form-data; boundary=b"), fields=())


def test_two_files_or_too_many_parts_are_refused() -> None:
    one, content_type = multipart_form(("a.txt", "text/plain", b"x"))
    boundary = content_type.split("boundary=")[1].encode()
    part = one.split(b"\r\n--" + boundary + b"--")[0]
    twice = part + b"\r\n" + part + b"\r\n--" + boundary + b"--\r\n"
    with pytest.raises(InvalidInput):
        read_upload(request(twice, content_type), fields=())
    names = [f"f{n}" for n in range(9)]
    many, content_type = multipart_form(("a.txt", "text/plain", b"x"), **dict.fromkeys(names, "v"))
    with pytest.raises(PayloadTooLarge):
        read_upload(request(many, content_type), fields=names)
    long_field, content_type = multipart_form(("a.txt", "text/plain", b"x"), title="t" * 9000)
    with pytest.raises(PayloadTooLarge):
        read_upload(request(long_field, content_type), fields=("title",))


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("plan.pdf", "attachment; filename=\"plan.pdf\"; filename*=UTF-8''plan.pdf"),
        (
            "Zürich März.pdf",
            "attachment; filename=\"Zurich Marz.pdf\"; filename*=UTF-8''Z%C3%BCrich%20M%C3%A4rz.pdf",
        ),
        ('a"b;c.txt', "attachment; filename=\"a_b_c.txt\"; filename*=UTF-8''a%22b%3Bc.txt"),
        ("日本.png", "attachment; filename=\"download.png\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.png"),
    ],
)
def test_download_names_are_quoted_safely(name: str, header: str) -> None:
    assert content_disposition(name) == header


def _form(boundary: str, *parts: tuple[str, bytes]) -> bytes:
    body = b""
    for name, content in parts:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'.encode()
        body += b'; filename="a.bin"\r\n\r\n' if name == "file" else b"\r\n\r\n"
        body += content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


def test_a_delimiter_far_inside_a_long_part_is_found_as_a_forward_search_would() -> None:
    """The parser looks for the next delimiter backwards from the last one when a part is long
    (faster in CPython); it must split exactly where a forward search would: here a second
    field hides 200 kB into what looks like one long part, so the form has a field twice."""
    boundary = "b0undary"
    hidden = (
        b"x" * 200_000 + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nB'.encode()
    )
    body = _form(boundary, ("title", b"A"), ("file", hidden))
    with pytest.raises(InvalidInput) as caught:  # "title" twice: refused, not read as one part
        read_upload(request(body, f"multipart/form-data; boundary={boundary}"), fields=("title",))
    assert caught.value.field == "title"
    # The boundary's text inside content but not after a line break is content, near or far.
    inside = b"y" * 100_000 + f"x--{boundary}".encode() + b"z" * 100_000
    body = _form(boundary, ("file", inside))
    upload = read_upload(request(body, f"multipart/form-data; boundary={boundary}"), fields=())
    assert upload.data == inside
