import pytest
from tests.retention_world import fault_rounds
from tests.unit.test_retention_purge import world  # noqa: F401

@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_seeds(world, seed):  # type: ignore[no-untyped-def]
    fault_rounds(world, rounds=20, seed=seed)
