"""Fixtures shared by every tier. Emulator, fake-server and dev-host fixtures live in tests/fixtures/."""

pytest_plugins = [
    "tests.fixtures.azurite",
    "tests.fixtures.cosmos_server",
    "tests.fixtures.keyvault_fake",
    "tests.fixtures.acs_fake",
    "tests.fixtures.devhost",
]

import re  # noqa: E402 - after pytest_plugins, which pytest reads first by convention

import pytest  # noqa: E402

#: The adapter ids the contract suites are parametrised with, per port.
CONTRACT_ADAPTERS = {
    "Store": ("memory", "sqlite", "cosmos"),
    "BlobStore": ("local_blob", "azure_blob"),
    "KeyRing": ("local_keys", "keyvault"),
    "Mailer": ("outbox", "acs_mail"),
    "TaskQueue": ("memory_queue", "local_queue", "azure_queue"),
}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print, per port and adapter, how many contract tests passed/failed/skipped, so a run
    shows at a glance that every adapter (including the emulators) was really exercised."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if "tests/contract/" not in nodeid or getattr(report, "when", "call") not in ("call", "setup"):
                continue
            if outcome == "passed" and report.when != "call":
                continue
            params = set(re.findall(r"[\[\-]([a-z_]+)(?=[\]\-])", nodeid))
            for adapters in CONTRACT_ADAPTERS.values():
                for adapter in adapters:
                    if adapter in params:
                        counts.setdefault(adapter, {}).setdefault(outcome, 0)
                        counts[adapter][outcome] += 1
    if not counts:
        return
    terminalreporter.section("contract tests by adapter")
    for port, adapters in CONTRACT_ADAPTERS.items():
        for adapter in adapters:
            row = counts.get(adapter, {})
            text = ", ".join(f"{n} {o}" for o, n in sorted(row.items())) or "not run"
            terminalreporter.write_line(f"{port:<10} {adapter:<11} {text}")
