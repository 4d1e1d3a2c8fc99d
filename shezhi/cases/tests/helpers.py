"""Shared helpers for the cases tests."""

from __future__ import annotations

from shapely.geometry import shape

from shezhi.cases.models import Case, Category, Channel
from shezhi.cases.services import Intake, case_intake
from shezhi.places.models import Grid


def inside(grid: Grid) -> tuple[float, float]:
    """A point inside the general grid and in no sub-grid of another general grid."""
    p = shape(grid.boundary).representative_point()
    return p.x, p.y


def report(
    actor, grid: Grid, *, code: str = "ZF01", text: str = "楼上漏水与邻居协商不成，请求调解", **kw
) -> Case:
    lon, lat = inside(grid)
    intake = Intake(
        channel=kw.pop("channel", Channel.PATROL),
        description=text,
        category=Category.objects.get(code=code),
        lon=lon,
        lat=lat,
        **kw,
    )
    return case_intake(intake=intake, actor=actor)
