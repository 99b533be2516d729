"""Fixtures shared by every tier. Emulator and fake-server fixtures live in tests/fixtures/."""

pytest_plugins = [
    "tests.fixtures.azurite",
    "tests.fixtures.keyvault_fake",
    "tests.fixtures.acs_fake",
]
