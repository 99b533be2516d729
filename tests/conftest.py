"""Fixtures shared by every tier. Emulator and fake-server fixtures live in tests/fixtures/."""

pytest_plugins = [
    "tests.fixtures.azurite",
]
