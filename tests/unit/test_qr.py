"""The enrolment QR code: inline, accessible SVG that changes with what it encodes."""

from __future__ import annotations

import re

import segno

from shared.identity.qr import otpauth_qr_svg
from shared.identity.totp import otpauth_uri

URI = otpauth_uri(bytes(range(20)), "person@example.invalid")


def test_inline_svg_without_xml_declaration() -> None:
    svg = otpauth_qr_svg(URI, title="Scan with your authenticator app")
    assert svg.startswith('<svg role="img" viewBox=')
    assert svg.endswith("</svg>")
    assert "<?xml" not in svg
    assert "<title>Scan with your authenticator app</title>" in svg


def test_the_title_is_escaped() -> None:
    svg = otpauth_qr_svg(URI, title='<script>alert("x")</script> & co')
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def path_data(svg: str) -> str:
    match = re.search(r' d="([^"]+)"', svg)
    assert match
    return match.group(1)


def test_the_code_encodes_exactly_the_uri() -> None:
    svg = otpauth_qr_svg(URI, title="t")
    assert svg == otpauth_qr_svg(URI, title="t")  # deterministic
    assert path_data(svg) != path_data(otpauth_qr_svg(otpauth_uri(bytes(20), "x@example.invalid"), title="t"))
    # The modules drawn are those of a full-size (not Micro) QR code of the URI itself.
    reference = segno.make(URI, error="m", micro=False)
    assert not reference.is_micro
    assert path_data(svg) == path_data(reference.svg_inline(scale=4, border=4))
