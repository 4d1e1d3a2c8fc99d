"""Fixtures of the people tests: a resident in each of the world's grids."""

import pytest

from shezhi.people.models import Household, Resident
from shezhi.places.models import Compound


def _resident_in(grid):
    compound = Compound.objects.filter(grid__path__startswith=grid.path).order_by("pk").first()
    household = Household.objects.filter(compound=compound).order_by("pk").first()
    return Resident.objects.filter(household=household).order_by("pk").first()


@pytest.fixture
def residents(world):
    """The first synthetic resident of grid A, grid B and street Y's grid."""
    return {"a": _resident_in(world.grid_a), "b": _resident_in(world.grid_b), "y": _resident_in(world.grid_y)}
