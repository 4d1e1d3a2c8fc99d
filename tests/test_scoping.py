import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import Http404

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.accounts.scoping import scoped_models
from shezhi.places.models import Building, Compound, Division, Grid


def test_every_places_model_declares_its_area(db):
    assert {Division, Grid, Compound, Building} <= set(scoped_models())


def test_a_grid_worker_sees_only_their_grid_and_below(world):
    grids = Grid.objects.visible_to(world.alice)
    assert grids.exists()
    assert all(g.path.startswith(world.grid_a.path) for g in grids)
    assert not grids.filter(pk=world.grid_b.pk).exists()
    compounds = Compound.objects.visible_to(world.alice)
    assert all(c.grid.path.startswith(world.grid_a.path) for c in compounds)
    assert (
        not Compound.objects.visible_to(world.alice).filter(grid__path__startswith=world.grid_b.path).exists()
    )


def test_a_grid_worker_sees_only_their_community_of_the_tree(world):
    assert list(Division.objects.visible_to(world.alice)) == [world.grid_a.community]


def test_it_rejects_other_grids(world):
    with pytest.raises(Http404):
        Grid.objects.get_visible_or_404(world.alice, code=world.grid_b.code)
    assert Grid.objects.get_visible_or_404(world.bob, code=world.grid_b.code) == world.grid_b


def test_a_street_officer_sees_their_street_only(world):
    divisions = Division.objects.visible_to(world.sam)
    assert divisions.filter(pk=world.street_x.pk).exists()
    assert not divisions.filter(code__startswith=world.street_y.prefix).exists()
    assert not divisions.filter(pk=world.street_x.parent_id).exists()
    grids = Grid.objects.visible_to(world.sam)
    assert grids.filter(pk=world.grid_a.pk).exists()
    assert grids.filter(pk=world.grid_b.pk).exists()
    assert not grids.filter(pk=world.grid_y.pk).exists()
    assert all(g.community.code.startswith(world.street_x.prefix) for g in grids)


def test_district_and_city_staff_see_their_whole_area(world):
    assert Grid.objects.visible_to(world.dora).filter(pk=world.grid_y.pk).exists()
    assert Division.objects.visible_to(world.dora).count() == 1 + 11 + 83  # 成华区
    assert Division.objects.visible_to(world.cate).count() == 1 + 20 + 261 + 3047
    assert Division.objects.visible_to(world.audrey).count() == 1 + 20 + 261 + 3047


def test_residents_and_partners_see_only_their_community_division(world):
    for user in (world.rita, world.paul):
        assert list(Division.objects.visible_to(user)) == [world.grid_a.community]
        assert not Grid.objects.visible_to(user).exists()
        assert not Compound.objects.visible_to(user).exists()


def test_anonymous_and_inactive_users_see_nothing(world):
    assert not Division.objects.visible_to(AnonymousUser()).exists()
    assert not Division.objects.visible_to(None).exists()
    world.sam.is_active = False
    assert not Grid.objects.visible_to(world.sam).exists()


def test_a_user_without_an_area_sees_nothing(db):
    user = User.objects.create_user("nobody", password="x", role=Role.STREET_STAFF)
    assert not Division.objects.visible_to(user).exists()


def test_a_role_must_match_its_division_level(world):
    user = User(username="x", role=Role.STREET_STAFF, division=world.grid_a.community)
    with pytest.raises(ValidationError, match="街道"):
        user.full_clean()
    worker = User(username="y", role=Role.GRID_WORKER, division=world.street_x)
    with pytest.raises(ValidationError, match="网格员必须指定网格"):
        worker.full_clean()


def test_a_grid_workers_division_follows_their_grid(world):
    user = User(username="z", role=Role.GRID_WORKER, grid=world.grid_y)
    user.set_password("irrelevant-long-password")
    user.full_clean()
    assert user.division == world.grid_y.community
