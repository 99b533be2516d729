"""Settings, read from the environment when asked for — never at import time, because an
import-time failure makes every function of the app vanish on Azure.

Every setting is listed, with its meaning, in ``local.settings.sample.json`` and the README;
``tests/unit/test_config.py`` checks that the three stay in step.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from shared.errors import ConfigurationError

__all__ = [
    "EMBEDDED_ADAPTERS",
    "SETTINGS",
    "Environment",
    "adapter",
    "data_dir",
    "environment",
    "int_setting",
    "is_development",
    "optional",
    "required",
    "validate",
]


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


#: name → (default, meaning). The single list of settings the code reads.
SETTINGS: dict[str, tuple[str | None, str]] = {
    "CASEDESK_ENV": ("production", "development | test | production. Unset means production (fail safe)."),
    "CASEDESK_DATA_DIR": (
        ".data",
        "Directory for the embedded store, local blobs, local key file and outbox.",
    ),
    "CASEDESK_STORE": ("sqlite", "Store adapter: sqlite (embedded) | cosmos."),
    "CASEDESK_BLOBS": ("local", "BlobStore adapter: local (files) | azure."),
    "CASEDESK_KEYS": ("local", "KeyRing adapter: local (key file) | keyvault."),
    "CASEDESK_MAIL": ("outbox", "Mailer adapter: outbox (stored, not sent) | acs."),
    "CASEDESK_QUEUE": (
        "local",
        "TaskQueue adapter: local (SQLite file in the data dir) | azure (Storage queues).",
    ),
    "CASEDESK_MAX_REQUEST_BYTES": ("1048576", "Largest accepted request body for JSON routes, in bytes."),
    "CASEDESK_PUBLIC_URL": (
        "http://127.0.0.1:7071",
        "Public base URL of the app; links in e-mails start with it.",
    ),
    "CASEDESK_MAX_UPLOAD_BYTES": (
        "26214400",
        "Largest accepted document upload in bytes (25 MiB; at most 104857600).",
    ),
    "CASEDESK_INVITATION_DAYS": ("7", "Days an invitation link stays valid."),
    "CASEDESK_RETENTION_YEARS": ("3", "Years after its closure a case is purged (SPEC journey 13)."),
    "CASEDESK_NOTICE_DAYS": ("30", "Days before the purge every participant of the case is told."),
    "CASEDESK_BREAK_GLASS_HOURS": ("8", "Hours a break-glass access to a case lasts (journey 17)."),
    "CASEDESK_TEMP_ACCESS_DAYS": (
        "30",
        "Days the temporary-access overview looks back (support and break-glass).",
    ),
    "CASEDESK_MESSAGE_EMAIL_DELAY_MINUTES": (
        "10",
        "Minutes after a first unread message before its e-mail notice goes out (if still unread).",
    ),
    "CASEDESK_MESSAGE_RATE_PER_MINUTE": ("30", "Messages one person may send per minute (then 429)."),
    "CASEDESK_OPERATOR_NAME": (None, "The operator's name as the terms and the privacy policy name it."),
    "CASEDESK_OPERATOR_ADDRESS": (None, "The operator's postal address in the terms and the privacy policy."),
    "CASEDESK_OPERATOR_EMAIL": (None, "The operator's contact address for privacy requests (terms, policy)."),
    "CASEDESK_OPERATOR_JURISDICTION": (None, "Place of jurisdiction named in the terms (e.g. Zürich)."),
    "CASEDESK_AUDIT_RETENTION_YEARS": (
        "10",
        "Years the audit events of a purged case are kept after the purge, then deleted.",
    ),
    "CASEDESK_ARGON2_MEMORY_KIB": ("19456", "Argon2id memory cost in KiB (OWASP minimum: 19456 = 19 MiB)."),
    "CASEDESK_ARGON2_ITERATIONS": ("2", "Argon2id iterations (OWASP minimum with 19 MiB: 2)."),
    "CASEDESK_ARGON2_LANES": ("1", "Argon2id parallelism (OWASP: 1)."),
    "CASEDESK_LOGIN_MAX_FAILURES": (
        "5",
        "Failed logins of one account within the window before it is locked.",
    ),
    "CASEDESK_CLIENT_MAX_FAILURES": (
        "20",
        "Failed logins from one client within the window before it is locked.",
    ),
    "CASEDESK_LOGIN_WINDOW_SECONDS": ("900", "Window in which failed logins are counted."),
    "CASEDESK_LOCKOUT_SECONDS": ("900", "How long a locked account or client must wait."),
    "CASEDESK_SESSION_IDLE_SECONDS": ("1800", "A session ends after this long without a request (30 min)."),
    "CASEDESK_SESSION_ABSOLUTE_SECONDS": (
        "43200",
        "A session ends this long after login, whatever happens (12 h).",
    ),
    "CASEDESK_ENTRA_CLIENT_ID": (
        None,
        "Application (client) id of the CaseDesk app registration in Entra ID; empty: no Entra sign-in.",
    ),
    "CASEDESK_ENTRA_AUTHORITY_HOST": (
        "https://login.microsoftonline.com",
        "Entra authority host (tests point it at the fake authority on loopback HTTPS).",
    ),
    "CASEDESK_ENTRA_PLATFORM_TENANT_ID": (
        None,
        "Tenant id of the platform's own Entra tenant: support operators sign in only from it.",
    ),
    "CASEDESK_ENTRA_OPERATOR_ROLE": ("Support.Operator", "App role an operator's ID token must carry."),
    "CASEDESK_ENTRA_AUTH_CONTEXT": (
        "c1",
        "Conditional Access authentication context (acrs) requested and required as proof of MFA.",
    ),
    "CASEDESK_ENTRA_CREDENTIAL": (
        "managed_identity",
        "How the app proves itself to Entra: managed_identity (federated credential) | test_key "
        "(development and test only, refused in production).",
    ),
    "CASEDESK_ENTRA_TEST_KEY_FILE": (
        None,
        "PEM RSA private key signing client assertions with CASEDESK_ENTRA_CREDENTIAL=test_key; "
        "development and test only.",
    ),
    "CASEDESK_ENTRA_CA_FILE": (
        None,
        "CA bundle to trust for the authority (the fake authority's test CA); development and test only.",
    ),
    "CASEDESK_ENTRA_STEP_UP_SECONDS": (
        "300",
        "Seconds a fresh Entra authentication counts for a step-up (support grant activation).",
    ),
    "CASEDESK_OPERATOR_SESSION_SECONDS": (
        "14400",
        "Absolute lifetime of a support operator's session (4 h).",
    ),
    "COSMOS_ENDPOINT": (None, "Cosmos DB account endpoint (https://<account>.documents.azure.com:443/)."),
    "COSMOS_DATABASE": ("casedesk", "Cosmos DB database name."),
    "COSMOS_EMULATOR_KEY": (None, "Emulator key, local/test only; refused in production (managed identity)."),
    "COSMOS_EMULATOR": (
        None,
        "cosmosdb-server: client options for the npm Cosmos emulator (unverified TLS, loopback "
        "endpoint only); development and test only, refused in production.",
    ),
    "BLOB_ACCOUNT_URL": (None, "Blob service URL (https://<account>.blob.core.windows.net)."),
    "BLOB_CONTAINER": ("casedesk", "Blob container holding encrypted documents."),
    "BLOB_USE_EMULATOR_KEY": ("false", "true to use Azurite's public well-known key; refused in production."),
    "BACKUP_EXPORT_CONTAINER": (
        "cosmos-exports",
        "Blob container of the daily store export (the Backup vault keeps it); locally a data dir folder.",
    ),
    "AUDIT_ANCHOR_CONTAINER": (
        "audit-anchors",
        "Blob container (immutable in Azure) the audit chain heads are published to; locally a folder.",
    ),
    "QUEUE_ACCOUNT_URL": (None, "Queue service URL (https://<account>.queue.core.windows.net)."),
    "QUEUE_USE_EMULATOR_KEY": (
        "false",
        "true to use Azurite's public well-known key; refused in production.",
    ),
    "KEYVAULT_URL": (None, "Key Vault URL (https://<vault>.vault.azure.net/) holding the KEK secret."),
    "KEK_SECRET_NAME": ("casedesk-kek", "Name of the Key Vault secret holding the key-encryption key."),
    "ACS_ENDPOINT": (None, "Azure Communication Services endpoint for e-mail."),
    "MAIL_SENDER": (None, "Sender address of a verified ACS e-mail domain (DoNotReply@<domain>)."),
    "AZURE_CLIENT_ID": (None, "Client id of the user-assigned managed identity (read by azure-identity)."),
    "APPLICATIONINSIGHTS_CONNECTION_STRING": (
        None,
        "Application Insights connection string; when set, the app sends telemetry (OpenTelemetry, "
        "managed identity). Empty: none.",
    ),
}

#: Adapters that keep data on the local machine: refused in production (ARCHITECTURE §8).
EMBEDDED_ADAPTERS: dict[str, str] = {
    "CASEDESK_STORE": "sqlite",
    "CASEDESK_BLOBS": "local",
    "CASEDESK_KEYS": "local",
    "CASEDESK_MAIL": "outbox",
    "CASEDESK_QUEUE": "local",
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "CASEDESK_STORE": ("sqlite", "cosmos"),
    "CASEDESK_BLOBS": ("local", "azure"),
    "CASEDESK_KEYS": ("local", "keyvault"),
    "CASEDESK_MAIL": ("outbox", "acs"),
    "CASEDESK_QUEUE": ("local", "azure"),
}


def optional(name: str) -> str | None:
    default = SETTINGS[name][0]
    value = os.environ.get(name, "").strip()
    return value or default


def required(name: str) -> str:
    value = optional(name)
    if not value:
        raise ConfigurationError(f"setting {name} is required: {SETTINGS[name][1]}")
    return value


def int_setting(name: str) -> int:
    value = required(name)
    try:
        return int(value)
    except ValueError:
        raise ConfigurationError(f"setting {name} must be a whole number, not {value!r}") from None


def environment() -> Environment:
    value = required("CASEDESK_ENV").lower()
    try:
        return Environment(value)
    except ValueError:
        allowed = ", ".join(e.value for e in Environment)
        raise ConfigurationError(f"CASEDESK_ENV must be one of {allowed}, not {value!r}") from None


def is_development() -> bool:
    """True only for an explicit, valid ``CASEDESK_ENV=development``. Safe at import time:
    never raises, and anything unset or invalid counts as not development."""
    return os.environ.get("CASEDESK_ENV", "").strip().lower() == Environment.DEVELOPMENT.value


def adapter(name: str) -> str:
    value = required(name).lower()
    if value not in _CHOICES[name]:
        raise ConfigurationError(f"{name} must be one of {', '.join(_CHOICES[name])}, not {value!r}")
    return value


def data_dir() -> Path:
    return Path(required("CASEDESK_DATA_DIR")).resolve()


def validate() -> None:
    """Raise one ``ConfigurationError`` listing every problem, so a deploy fails fast and clearly."""
    problems: list[str] = []
    env = environment()
    chosen = {name: adapter(name) for name in _CHOICES}
    if env is Environment.PRODUCTION:
        for name, embedded in EMBEDDED_ADAPTERS.items():
            if chosen[name] == embedded:
                problems.append(
                    f"{name}={embedded} is an embedded, local-only adapter and is refused in production; "
                    f"set {name}={_CHOICES[name][1]}"
                )
        if optional("COSMOS_EMULATOR_KEY"):
            problems.append("COSMOS_EMULATOR_KEY is set: production uses managed identity, never keys")
        if optional("COSMOS_EMULATOR"):
            problems.append("COSMOS_EMULATOR is set: production talks to Azure Cosmos DB, never an emulator")
        if optional("BLOB_USE_EMULATOR_KEY") == "true":
            problems.append("BLOB_USE_EMULATOR_KEY=true: production uses managed identity, never keys")
        if optional("QUEUE_USE_EMULATOR_KEY") == "true":
            problems.append("QUEUE_USE_EMULATOR_KEY=true: production uses managed identity, never keys")
        problems += _entra_problems()
    needs = {
        ("CASEDESK_STORE", "cosmos"): ["COSMOS_ENDPOINT"],
        ("CASEDESK_BLOBS", "azure"): ["BLOB_ACCOUNT_URL"],
        ("CASEDESK_KEYS", "keyvault"): ["KEYVAULT_URL"],
        ("CASEDESK_MAIL", "acs"): ["ACS_ENDPOINT", "MAIL_SENDER"],
        ("CASEDESK_QUEUE", "azure"): ["QUEUE_ACCOUNT_URL"],
    }
    for (name, value), settings in needs.items():
        if chosen[name] == value:
            problems += [f"{s} is required when {name}={value}" for s in settings if not optional(s)]
    problems += _emulator_problems()
    try:
        int_setting("CASEDESK_MAX_REQUEST_BYTES")
    except ConfigurationError as exc:
        problems.append(str(exc))
    if problems:
        raise ConfigurationError(f"CaseDesk cannot start in {env.value}: " + "; ".join(problems))


def _entra_problems() -> list[str]:
    """Production: the app proves itself to Entra with its managed identity, never with a key,
    and trusts only the public CAs (issue 21)."""
    problems = []
    if optional("CASEDESK_ENTRA_CREDENTIAL") != "managed_identity":
        problems.append("CASEDESK_ENTRA_CREDENTIAL must be managed_identity in production (no keys)")
    problems += [
        f"{name} is set: development and test only"
        for name in ("CASEDESK_ENTRA_TEST_KEY_FILE", "CASEDESK_ENTRA_CA_FILE")
        if optional(name)
    ]
    return problems


def _emulator_problems() -> list[str]:
    """``COSMOS_EMULATOR`` switches TLS verification off: only for the npm emulator on loopback."""
    emulator = optional("COSMOS_EMULATOR")
    if not emulator:
        return []
    if emulator != "cosmosdb-server":
        return [f"COSMOS_EMULATOR must be cosmosdb-server, not {emulator!r}"]
    host = urlsplit(optional("COSMOS_ENDPOINT") or "").hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        return ["COSMOS_EMULATOR needs a loopback COSMOS_ENDPOINT (https://127.0.0.1:<port>)"]
    return []
