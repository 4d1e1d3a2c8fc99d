import numpy as np
import pytest
import shapely

from shezhi.engine.errors import InputError
from shezhi.engine.isochrone import edge_times, isochrones, node_distances
from shezhi.engine.network import WalkNetwork


@pytest.fixture
def street():
    """One straight 1 km street along the equator with a node every 100 m (given lengths)."""
    lon = np.linspace(0.0, 0.009, 10)
    return WalkNetwork.from_edges(lon, np.zeros(10), np.arange(9), np.arange(1, 10), reorder=False)


def test_a_partly_reached_edge_counts_by_the_part_reached(street):
    # 2 minutes at 1.2 m/s = 144 m from the west end: the first edge whole, 44 % of the second.
    [iso] = isochrones(street, street.snap([0.0], [0.0]), minutes=[2], buffer_m=5)
    east = iso.bounds[2]
    metres = east * 111_319.49  # 1° of longitude at the equator
    assert metres == pytest.approx(144 + 5, abs=1.0)


def test_the_point_in_the_middle_of_an_edge_reaches_both_ways(street):
    # A point 50 m into the fifth edge (450 m from the west end), 1 minute = 72 m.
    lon = 0.0045
    [iso] = isochrones(street, street.snap([lon], [0.0]), minutes=[1], buffer_m=1)
    west, east = iso.bounds[0] * 111_319.49, iso.bounds[2] * 111_319.49
    assert west == pytest.approx(lon * 111_319.49 - 72 - 1, abs=1.0)
    assert east == pytest.approx(lon * 111_319.49 + 72 + 1, abs=1.0)


def test_isochrones_nest_and_edge_times_agree_on_the_real_network(chengdu):
    i = np.argmin(np.hypot(chengdu.node_lon - 104.066, chengdu.node_lat - 30.657))  # near 天府广场
    origin = chengdu.snap([chengdu.node_lon[i]], [chengdu.node_lat[i]])
    five, ten, fifteen = isochrones(chengdu, origin)
    # Nested, up to slivers from re-projecting straight UTM edges to WGS-84 (a millionth of the area).
    assert five.difference(ten).area < 1e-6 * five.area
    assert ten.difference(fifteen).area < 1e-6 * ten.area
    assert five.area < ten.area < fifteen.area
    times = edge_times(chengdu, origin, cutoff_min=15)
    reached = times.reached(15)
    part = np.repeat(np.arange(chengdu.n_edges), np.diff(chengdu.geom_ptr))
    lines = shapely.linestrings(np.column_stack([chengdu.geom_lon, chengdu.geom_lat]), indices=part)
    mid = shapely.line_interpolate_point(lines[reached], 0.5, normalized=True)
    fully = (np.maximum(times.at_u, times.at_v) <= 15)[reached]
    assert shapely.contains(fifteen.buffer(1e-6), mid[fully]).all()
    d = node_distances(chengdu, origin, cutoff_m=1080)
    assert np.isfinite(d).sum() > 50
    np.testing.assert_allclose(times.at_u[reached], d[chengdu.edge_u[reached]] / 72.0)


def test_bad_minutes_are_refused(street):
    with pytest.raises(InputError, match="minutes must be positive"):
        isochrones(street, street.snap([0.0], [0.0]), minutes=[0])
