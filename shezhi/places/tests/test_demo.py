from shezhi.accounts.roles import Role
from shezhi.places.demo import ensure_demo_accounts
from shezhi.places.models import Building, Compound, Division, Grid, GridKind, Source


def test_every_demo_community_has_a_total_grid_and_general_grids(db):
    communities = Division.objects.filter(code__startswith="510108", level="community")
    assert communities.count() == 83
    for community in communities:
        total = Grid.objects.get(community=community, kind=GridKind.TOTAL)
        assert total.source == Source.GENERATED
        assert "generated" in total.note
        assert Grid.objects.filter(parent=total, kind=GridKind.GENERAL).count() >= 2


def test_grid_codes_nest_under_their_parents(db):
    for grid in Grid.objects.exclude(parent=None).select_related("parent"):
        assert grid.code.startswith(grid.parent.code + "-")
        assert grid.community_id == grid.parent.community_id


def test_compounds_and_buildings_are_real_osm_features(db):
    assert Compound.objects.count() > 150
    assert not Compound.objects.exclude(source=Source.OSM).exists()
    assert not Compound.objects.filter(grid=None).exists()
    assert Compound.objects.filter(name="万科·金域蓝湾").exists()
    assert all(c.households_estimated for c in Compound.objects.all())
    assert Building.objects.filter(source_ref__startswith="way/").count() == Building.objects.count() > 0


def test_the_layout_is_reproducible(db):
    """The demo is generated with a fixed seed: a second build gives identical shapes."""
    from django.apps import apps

    from shezhi.places.demo import build_demo_area

    before = {g.code: g.boundary for g in Grid.objects.all()}
    # Households of the people app protect their compounds; the app is named by label so
    # that places does not import it.
    for label in ("people.Resident", "people.Household"):
        apps.get_model(label).objects.all().delete()
    Compound.objects.all().delete()
    Grid.objects.all().delete()
    build_demo_area()
    after = {g.code: g.boundary for g in Grid.objects.all()}
    assert after == before


def test_demo_accounts_cover_every_role(db):
    accounts = ensure_demo_accounts()
    users = [a.user for a in accounts]
    assert {u.role for u in users} == set(Role.values)
    grid_worker = next(a for a in accounts if a.user.role == "grid_worker")
    assert grid_worker.password
    assert grid_worker.user.check_password(grid_worker.password)
    grid_worker = grid_worker.user
    assert grid_worker.grid is not None
    assert grid_worker.division == grid_worker.grid.community


def test_every_demo_compound_has_a_chinese_name_and_keeps_its_osm_id(db):
    import re

    from shezhi.places.models import Compound

    compounds = list(Compound.objects.all())
    assert compounds
    for c in compounds:
        assert re.search(r"[\u4e00-\u9fff]", c.name), c.name
        assert "未命名" not in c.name
        assert "OSM" not in c.name
        assert c.source_ref.startswith("way/")
    generated = [c for c in compounds if c.name_generated]
    assert generated  # the extract has unnamed areas and "Standard City"
    names = [(c.community_id, c.name) for c in compounds]
    assert all(names.count((c.community_id, c.name)) == 1 for c in generated)
    assert not any(c.name.endswith(("居委会家园", "社区家园")) for c in generated)
