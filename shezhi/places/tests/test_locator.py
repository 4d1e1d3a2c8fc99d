from shapely.geometry import shape

from shezhi.places.locator import locate_points
from shezhi.places.models import Grid, GridKind


def test_a_point_inside_a_general_grid_lands_in_it_and_its_community(world):
    point = shape(world.grid_a.boundary).representative_point()
    (placement,) = locate_points([point.x], [point.y])
    grid = Grid.objects.get(pk=placement.grid_id)
    assert grid.path.startswith(world.grid_a.path)  # the grid itself or a micro-grid in it
    assert placement.community_id == world.grid_a.community_id


def test_the_most_specific_grid_wins(world):
    micro = Grid.objects.filter(kind=GridKind.MICRO).first()
    point = shape(micro.boundary).representative_point()
    (placement,) = locate_points([point.x], [point.y])
    assert placement.grid_id == micro.pk


def test_a_point_outside_every_area_is_placed_nowhere(db):
    (placement,) = locate_points([100.0], [25.0])
    assert placement.grid_id is None
    assert placement.community_id is None


def test_the_cached_index_sees_a_boundary_reimported_in_place(world):
    from shapely.geometry import box, mapping

    from shezhi.places.geometry import area_m2
    from shezhi.places.locator import GRID_INDEX

    grid = world.grid_y
    far = (104.30, 30.90)  # outside every demo grid
    assert GRID_INDEX.grid_at(*far) is None
    moved = box(far[0] - 0.001, far[1] - 0.001, far[0] + 0.001, far[1] + 0.001)
    grid.boundary = mapping(moved)
    grid.area_m2 = area_m2(moved)
    grid.save()
    assert GRID_INDEX.grid_at(*far) == grid.pk
