"""Fixtures shared by every tier. Emulator, fake-server and dev-host fixtures live in tests/fixtures/."""

pytest_plugins = [
    "tests.fixtures.azurite",
    "tests.fixtures.keyvault_fake",
    "tests.fixtures.acs_fake",
    "tests.fixtures.devhost",
]
