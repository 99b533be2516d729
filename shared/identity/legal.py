"""The versioned legal documents: terms of use (AGB) and privacy policy (SPEC journey 2).

Each document is a Markdown file in ``legal/`` named ``<kind>-<version>.<language>.md``;
``legal/versions.json`` names the version in force of each kind. A consent records the versions
the person accepted (``onboarding.record_consent``), and a sign-in compares them with
:func:`current_versions`.

**How a change triggers re-consent:** add the new files (for example ``terms-2027-03.en.md`` and
``terms-2027-03.de.md``) and point ``versions.json`` at the new version. Everyone whose recorded
consent names an older version is asked again at their next sign-in. Published files are never
edited or deleted: a consent record refers to the exact text that was accepted, so every version
must stay readable through :func:`document` for as long as consents naming it exist.

Files are read lazily on first use and cached for the process, never at import time (an
import-time failure would make every Azure Function disappear). A deployment replaces the
process, so a new ``versions.json`` takes effect on the next start.

The operator — who runs this deployment — is a setting, not text: versions from 2026-11b write
``{operator.name}``, ``{operator.address}``, ``{operator.email}``, ``{operator.jurisdiction}`` and
``{auditRetentionYears}``, which :func:`document` fills in from ``CASEDESK_OPERATOR_*`` and
``CASEDESK_AUDIT_RETENTION_YEARS`` (an unset operator setting shows as ``[CASEDESK_OPERATOR_…]``,
visibly unfinished). The published file stays as it was; only what it names is configured. The
texts must still be reviewed by Swiss counsel before production use. (Versions before 2026-11b
carry the older ``[Operator…]`` placeholders, unchanged.)
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Literal, get_args

from shared import config
from shared.errors import ConfigurationError, NotFound
from shared.i18n import DEFAULT_LANGUAGE, LANGUAGES

__all__ = ["KINDS", "Kind", "current_versions", "document"]

Kind = Literal["terms", "privacy"]
KINDS: tuple[Kind, ...] = get_args(Kind)

_DIR = Path(__file__).parent / "legal"
# Versions are year-month of publication ("2026-11"), with a letter for a second change in the
# same month ("2026-11b"). The pattern also keeps a version that comes from a request from ever
# reaching the file system as a path ("../..").
_VERSION = re.compile(r"\d{4}-\d{2}[a-z]?")


@cache
def _versions_in(directory: Path) -> dict[str, str]:
    # Keyed by directory so that a test can point _DIR elsewhere without clearing caches.
    path = directory / "versions.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"cannot read {path.name}: {error}") from error
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{path.name} must be an object")
    versions: dict[str, str] = {}
    for kind in KINDS:
        version = raw.get(kind)
        if not isinstance(version, str) or not _VERSION.fullmatch(version):
            raise ConfigurationError(f"{path.name} names no valid version for {kind!r}")
        versions[kind] = version
    return versions


@cache
def _read(path: Path) -> str:
    # Only called for files that exist, so the cache holds at most one entry per published file.
    return path.read_text(encoding="utf-8")


def current_versions() -> dict[str, str]:
    """The versions in force, e.g. ``{"terms": "2026-11", "privacy": "2026-11"}``.

    A copy, so that a caller cannot change the cached answer for everyone else.
    """
    return dict(_versions_in(_DIR))


def document(kind: Kind, language: str, version: str | None = None) -> str:
    """The Markdown text of one legal document.

    ``version`` defaults to the one in force. A language without its own translation falls back to
    English, the language every version is written in. An unknown kind or version raises
    :class:`~shared.errors.NotFound`: both may come straight from a request.
    """
    if kind not in KINDS:
        raise NotFound("no such legal document", kind=str(kind))
    wanted = current_versions()[kind] if version is None else version
    if not _VERSION.fullmatch(wanted):
        raise NotFound("no such version of the legal document", kind=kind)
    languages = [language, DEFAULT_LANGUAGE] if language in LANGUAGES else [DEFAULT_LANGUAGE]
    for candidate in languages:
        path = _DIR / f"{kind}-{wanted}.{candidate}.md"
        if path.is_file():
            return _render(_read(path))
    raise NotFound("no such version of the legal document", kind=kind, version=wanted)


_OPERATOR = {
    "{operator.name}": "CASEDESK_OPERATOR_NAME",
    "{operator.address}": "CASEDESK_OPERATOR_ADDRESS",
    "{operator.email}": "CASEDESK_OPERATOR_EMAIL",
    "{operator.jurisdiction}": "CASEDESK_OPERATOR_JURISDICTION",
}


def _render(text: str) -> str:
    """The settings into the text's placeholders; only these exact tokens, so no other brace in a
    text can ever be read as one."""
    for token, setting in _OPERATOR.items():
        if token in text:
            text = text.replace(token, (config.optional(setting) or "").strip() or f"[{setting}]")
    if "{auditRetentionYears}" in text:
        text = text.replace(
            "{auditRetentionYears}", str(config.int_setting("CASEDESK_AUDIT_RETENTION_YEARS"))
        )
    return text
