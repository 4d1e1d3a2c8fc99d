"""Each test gets its own log directory, keys and witness state (under pytest's tmp_path)."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _ledger_dirs(settings, tmp_path):
    settings.ELDERCARE_LOG_DIR = tmp_path / "log"
    settings.ELDERCARE_KEY_DIR = tmp_path / "keys"
    settings.ELDERCARE_WITNESS_DIR = tmp_path / "witness"
    settings.ELDERCARE_VERIFY_STATE = tmp_path / "verify-state.json"
    settings.ELDERCARE_LOG_DURABLE = False
    settings.ELDERCARE_LOG_HOST = "gov.example"
    settings.MEDIA_ROOT = tmp_path / "media"


def at(y: int, m: int, d: int, h: int = 9) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=TZ)


def jpeg() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 80)).save(buf, "JPEG")
    buf.seek(0)
    buf.name = "visit.jpg"
    return buf


@pytest.fixture
def elders(world):
    """Synthetic elderly residents of grid A's community, enrolled on 5 January 2026."""
    from shezhi.eldercare import demo, services
    from shezhi.eldercare.models import Elder

    community = world.grid_a.community
    demo.ensure_elderly(community, today=dt.date(2026, 1, 5))
    from shezhi.people.models import Resident

    services.eligibility_scan(
        now=at(2026, 1, 5),
        residents=Resident.objects.filter(household__community=community).select_related("household"),
    )
    return list(Elder.objects.filter(community=community).select_related("resident", "grid", "community"))
