import pytest

from shezhi.indicators import services
from shezhi.places.demo import DEMO_DISTRICT
from shezhi.places.models import Division


@pytest.fixture
def catalogue(db):
    services.seed_defaults()


@pytest.fixture
def district(db) -> Division:
    return Division.objects.get(code=DEMO_DISTRICT)
