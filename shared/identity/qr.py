"""The enrolment QR code, as inline SVG made on the server with ``segno`` (pure Python).

Made here rather than in the browser so the frontend needs no QR library, and no third-party
QR service ever sees a TOTP secret. The SVG is returned to the enrolling user only; it encodes
the secret, so it must never be logged or cached.
"""

from __future__ import annotations

__all__ = ["otpauth_qr_svg"]


def otpauth_qr_svg(uri: str, *, title: str) -> str:
    """An ``<svg>`` element (no XML declaration) showing ``uri`` as a QR code.

    ``title`` is the accessible name screen readers announce; pass it translated (it is
    user-facing text, so it comes from the i18n catalogs, not from here). segno escapes it.
    """
    # Error correction M, the usual choice for screen-displayed codes; no Micro QR, which
    # authenticator apps cannot read. omitsize keeps the viewBox instead of a fixed pixel size,
    # so the page's CSS scales it (a phone is 360 px wide).
    import segno  # noqa: PLC0415 - lazy: only an enrolment makes a QR code (cold start)

    qr = segno.make(uri, error="m", micro=False)
    svg: str = qr.svg_inline(scale=4, border=4, title=title, svgclass="totp-qr", omitsize=True)
    # role="img" makes screen readers announce the <title> as the image's name.
    return svg.replace("<svg ", '<svg role="img" ', 1)
