import numpy as np
import pytest

from shezhi.engine.crs import wgs84_to_gcj02
from shezhi.engine.errors import CoordinateSystemError, InputError, SnapError
from shezhi.engine.network import WalkNetwork


@pytest.fixture
def line():
    """Two nodes 0.001° of longitude apart on the equator (111.319 m)."""
    return WalkNetwork.from_edges([0.0, 0.001], [0.0, 0.0], [0], [1])


def test_a_point_lands_on_the_edge_with_both_partial_lengths_and_its_access_leg(line):
    s = line.snap([0.00025], [0.0001])  # a quarter along, ~11 m north of the street
    assert s.edge.tolist() == [0]
    length = line.edge_length[0]
    assert s.to_u[0] == pytest.approx(length / 4, rel=1e-6)
    assert s.to_v[0] == pytest.approx(3 * length / 4, rel=1e-6)
    assert s.access[0] == pytest.approx(11.06, abs=0.05)
    assert not s.far.any()


def test_points_beyond_the_limit_are_reported_not_snapped(line):
    with pytest.raises(SnapError, match=r"1 of 2 points lie farther than 300 m.*rows 1") as exc:
        line.snap([0.0005, 0.0005], [0.0, 0.01])
    assert exc.value.far == [1]
    s = line.snap([0.0005, 0.0005], [0.0, 0.01], allow_far=True)
    assert s.far.tolist() == [False, True]
    assert s.edge.tolist() == [0, -1]
    assert np.isinf(s.to_u[1])


def test_nan_and_out_of_range_coordinates_name_their_rows(line):
    with pytest.raises(InputError, match=r"schools: rows 1 have NaN"):
        line.snap([0.0, np.nan], [0.0, 0.0], what="schools")
    with pytest.raises(InputError, match=r"rows 0 have coordinates outside"):
        line.snap([200.0], [0.0])
    with pytest.raises(InputError, match="one length"):
        line.snap([0.0, 0.1], [0.0])


def test_declared_systems_are_converted_before_snapping(chengdu):
    i = np.arange(0, chengdu.n_nodes, 50)
    glon, glat = wgs84_to_gcj02(chengdu.node_lon[i], chengdu.node_lat[i])
    s = chengdu.snap(glon, glat, crs="gcj02")
    assert s.access.max() < 0.01


def test_gcj02_points_declared_wgs84_are_refused(chengdu):
    # Street nodes shifted by the GCJ-02 offset (~500 m here) and declared WGS-84.
    i = np.arange(0, chengdu.n_nodes, 50)
    glon, glat = wgs84_to_gcj02(chengdu.node_lon[i], chengdu.node_lat[i])
    with pytest.raises(CoordinateSystemError, match=r"declared WGS84, but read as GCJ02"):
        chengdu.snap(glon, glat, max_distance=1000)


def test_points_inside_blocks_declared_correctly_are_accepted(chengdu):
    # Block interiors (60 m or more from every street): any shift of a few hundred metres
    # brings them closer to some street, which alone must not read as a wrong declaration.
    rng = np.random.default_rng(5)
    lon0, lon1 = np.percentile(chengdu.node_lon, [10, 90])
    lat0, lat1 = np.percentile(chengdu.node_lat, [10, 90])
    lon, lat = rng.uniform(lon0, lon1, 4000), rng.uniform(lat0, lat1, 4000)
    probe = chengdu.snap(lon, lat, max_distance=1e6, check_crs=False)
    inside = probe.access > 60
    assert inside.sum() >= 50
    s = chengdu.snap(lon[inside], lat[inside], max_distance=1e6)
    assert np.median(s.access) > 60


def test_nodes_snap_onto_themselves(chengdu):
    i = np.arange(0, chengdu.n_nodes, 97)
    s = chengdu.snap(chengdu.node_lon[i], chengdu.node_lat[i])
    at = np.where(s.to_u < s.to_v, s.u, s.v)
    assert (at == i).all()
    assert np.minimum(s.to_u, s.to_v).max() < 1e-6
