import io

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from openpyxl import load_workbook

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.lifecircle.models import AnalysisRun, CompoundResult, Gap, RunStatus
from shezhi.lifecircle.services import analysis_cancel, analysis_start, facilities_import_osm
from shezhi.lifecircle.tasks import execute
from shezhi.people.models import Facility
from shezhi.places.models import Compound, Source


@pytest.fixture
def demo_run(db) -> AnalysisRun:
    """The evaluation that load_lifecircle computed for the demo district."""
    runs = AnalysisRun.objects.filter(status=RunStatus.DONE, area__code="510108000000", walker="adult")
    return runs.latest("pk")


@pytest.fixture
def planner(world) -> User:
    return User.objects.create_user(
        username="pia", password="x", role=Role.PLANNER, division=world.street_x.parent, display_name="pia"
    )


def test_the_demo_data_comes_with_a_finished_evaluation(demo_run):
    compounds = Compound.objects.filter(community__code__startswith="510108").count()
    assert CompoundResult.objects.filter(run=demo_run).count() == compounds
    assert demo_run.summary["compounds_off_network"] == 0
    assert demo_run.summary["elements"]["primary_school"]["facilities_considered"] > 10
    gaps = Gap.objects.filter(run=demo_run)
    assert gaps.exists()
    ranks = list(gaps.values_list("uncovered_households", flat=True))
    assert ranks == sorted(ranks, reverse=True)


def test_osm_facilities_reimport_without_duplicates(db):
    before = Facility.objects.filter(source=Source.OSM).count()
    assert before > 100
    report = facilities_import_osm(within="510108")
    assert report.created == 0
    assert report.updated == 0
    assert Facility.objects.filter(source=Source.OSM).count() == before


def test_a_run_is_queued_then_computed_reusing_the_stored_network(
    planner, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = analysis_start(actor=planner, area=world.street_x)
    assert run.status == RunStatus.QUEUED
    assert len(callbacks) == 1  # the task is enqueued only once the run row is committed
    assert execute(run.pk) == "done"
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.progress == 100
    assert run.summary["network_parsed"] is False  # parsed once, then read from var/networks
    compounds = set(
        CompoundResult.objects.filter(run=run).values_list("compound__community__code", flat=True)
    )
    assert compounds
    assert all(code.startswith(world.street_x.prefix) for code in compounds)
    assert execute(run.pk) == "not queued"  # a second worker does nothing


def test_a_cancelled_run_stores_nothing(planner, world):
    run = analysis_start(actor=planner, area=world.street_x)
    assert analysis_cancel(actor=planner, run=run)
    assert execute(run.pk) == "not queued"
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert not CompoundResult.objects.filter(run=run).exists()
    assert not analysis_cancel(actor=planner, run=run)


def test_cancelling_while_running_stops_at_the_next_stage(planner, world, monkeypatch):
    from shezhi.lifecircle import tasks

    run = analysis_start(actor=planner, area=world.street_x)
    real = tasks.gather

    def gather_then_cancel(**kwargs):
        AnalysisRun.objects.filter(pk=run.pk).update(status=RunStatus.CANCELLED)
        return real(**kwargs)

    monkeypatch.setattr(tasks, "gather", gather_then_cancel)
    assert execute(run.pk) == "cancelled"
    assert not CompoundResult.objects.filter(run=run).exists()


def test_only_analysts_start_runs_and_only_in_their_area(world, planner):
    with pytest.raises(PermissionDenied):
        analysis_start(actor=world.alice, area=world.grid_a.community)
    with pytest.raises(PermissionDenied):
        analysis_start(actor=world.sam, area=world.street_y)
    assert not AnalysisRun.objects.filter(area=world.street_y).exists()


def test_a_grid_worker_sees_only_their_grid_in_results(world, demo_run):
    own = CompoundResult.objects.visible_to(world.alice).filter(run=demo_run)
    assert all(r.grid is not None and r.grid.path.startswith(world.grid_a.path) for r in own)
    assert not own.filter(grid__path__startswith=world.grid_b.path).exists()


def test_pages_of_a_run(world, demo_run):
    client = Client()
    client.force_login(world.dora)  # district staff of 成华区
    page = client.get(f"/lifecircle/runs/{demo_run.pk}/").content.decode()
    assert "规模" in page
    assert "覆盖" in page
    status = client.get(f"/lifecircle/runs/{demo_run.pk}/status.json").json()
    assert status["progress"] == 100
    assert status["finished"]
    gaps = client.get(f"/lifecircle/runs/{demo_run.pk}/gaps/?circle=education").content.decode()
    assert "优教普惠圈" in gaps
    layers = client.get(f"/lifecircle/runs/{demo_run.pk}/map.geojson?element=primary_school").json()
    kinds = {f["properties"]["layer"] for f in layers["features"]}
    assert kinds == {"community", "grid", "compound", "facility"}
    bad = client.get(f"/lifecircle/runs/{demo_run.pk}/map.geojson?element=nothing")
    assert bad.status_code == 400
    assert bad.json()["message_en"] == "unknown element"


def test_the_gap_list_exports_to_excel(world, demo_run):
    client = Client()
    client.force_login(world.dora)
    response = client.get(f"/lifecircle/runs/{demo_run.pk}/gaps/?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "排序"
    assert len(rows) - 1 == Gap.objects.filter(run=demo_run).count()


def test_what_if_through_the_page(world, demo_run):
    client = Client()
    client.force_login(world.dora)
    compound = (
        CompoundResult.objects.filter(run=demo_run).exclude(values__kindergarten__ok=True).first().compound
    )
    response = client.post(
        f"/lifecircle/runs/{demo_run.pk}/what-if.json",
        {"element": "kindergarten", "lon": compound.lon, "lat": compound.lat},
    )
    body = response.json()
    assert response.status_code == 200, body
    assert body["coverage_after"] > body["coverage_before"]
    assert compound.pk in body["compounds_gained"]
    far = client.post(
        f"/lifecircle/runs/{demo_run.pk}/what-if.json", {"element": "kindergarten", "lon": 103.0, "lat": 30.0}
    )
    assert far.status_code == 400
    assert "500" in far.json()["message"]


def test_recommended_sites_from_network_nodes_and_lots(world, demo_run, planner):
    from shezhi.lifecircle.models import SitingStudy
    from shezhi.lifecircle.services import candidate_add, siting_recommend

    study = siting_recommend(actor=planner, run=demo_run, element_code="kindergarten", p=2, source="nodes")
    result = study.result
    assert len(result["sites"]) == 2
    assert result["coverage_after"] > result["coverage_before"]
    assert result["households_newly_covered"] == pytest.approx(sum(s["households"] for s in result["sites"]))
    compound = (
        CompoundResult.objects.filter(run=demo_run).exclude(values__kindergarten__ok=True).first().compound
    )
    lot = candidate_add(actor=planner, run=demo_run, name="闲置厂房", lon=compound.lon, lat=compound.lat)
    assert lot.area.level == "community"
    from_lots = siting_recommend(actor=planner, run=demo_run, element_code="kindergarten", p=1, source="lots")
    assert [s["label"] for s in from_lots.result["sites"]] == ["闲置厂房"]
    client = Client()
    client.force_login(planner)
    page = client.get(f"/lifecircle/sitings/{from_lots.pk}/").content.decode()
    assert "闲置厂房" in page
    with pytest.raises(PermissionDenied):
        siting_recommend(actor=world.alice, run=demo_run, element_code="kindergarten", p=1, source="nodes")
    assert SitingStudy.objects.count() == 2


def test_a_candidate_outside_the_area_is_refused_with_a_reason(world, demo_run, planner):
    from django.core.exceptions import ValidationError

    from shezhi.lifecircle.models import CandidateSite
    from shezhi.lifecircle.services import candidate_add

    with pytest.raises(ValidationError) as excinfo:
        candidate_add(actor=planner, run=demo_run, name="远处", lon=103.0, lat=30.0)
    assert "outside the evaluated area" in str(excinfo.value)
    assert not CandidateSite.objects.exists()


def test_the_siting_form_in_the_page(world, demo_run, planner):
    client = Client()
    client.force_login(planner)
    response = client.post(
        f"/lifecircle/runs/{demo_run.pk}/siting/",
        {"s-element": "primary_school", "s-p": 2, "s-source": "public"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "/lifecircle/sitings/" in response["Location"]
    bad = client.post(
        f"/lifecircle/runs/{demo_run.pk}/siting/", {"s-element": "primary_school", "s-p": 99, "s-source": "x"}
    )
    assert bad.status_code == 200
    assert "error" in bad.content.decode()


def test_isochrones_around_a_facility(world, demo_run):
    client = Client()
    client.force_login(world.dora)
    facility = Facility.objects.filter(category="primary_school").first()
    body = client.get(
        f"/lifecircle/runs/{demo_run.pk}/isochrone.geojson", {"lon": facility.lon, "lat": facility.lat}
    ).json()
    assert [f["properties"]["minutes"] for f in body["features"]] == [15, 10, 5]
    from shapely.geometry import shape

    fifteen, ten, five = (shape(f["geometry"]) for f in body["features"])
    assert five.area < ten.area < fifteen.area
    assert five.difference(fifteen).area < 0.01 * five.area  # nested, up to the 1e-6° rounding
    missing = client.get(f"/lifecircle/runs/{demo_run.pk}/isochrone.geojson")
    assert missing.status_code == 400


def test_street_staff_find_their_street_evaluated_after_make_data(world):
    from django.core.management import call_command

    call_command("load_lifecircle", "--streets", stdout=io.StringIO())
    runs = AnalysisRun.objects.visible_to(world.sam).filter(status=RunStatus.DONE)
    assert [r.area for r in runs] == [world.street_x]
    again = io.StringIO()
    call_command("load_lifecircle", "--streets", stdout=again)
    assert "up to date" in again.getvalue()
    assert AnalysisRun.objects.visible_to(world.sam).count() == 1
