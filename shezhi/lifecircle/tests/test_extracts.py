"""Loading any OSM extract: a second real one (central Helsinki), updates in place, bad files."""

from __future__ import annotations

from pathlib import Path

import osmium
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.lifecircle.extracts import load_extract
from shezhi.lifecircle.models import AnalysisRun, CompoundResult, Gap, RunStatus, Walker
from shezhi.lifecircle.network import network_by_key, run_network
from shezhi.lifecircle.selectors import standard_current
from shezhi.lifecircle.tasks import execute
from shezhi.people.models import Facility
from shezhi.places.models import Compound, Division, ExtractStatus, OsmExtract, Source

DATA = Path(__file__).resolve().parents[2] / "places" / "data"
HELSINKI = DATA / "helsinki_center.osm.pbf"
DISTRICT = "990101000000"

pytestmark = pytest.mark.skipif(not HELSINKI.exists(), reason="the second real extract is not bundled")


@pytest.fixture
def synthetic_district(db) -> Division:
    """A synthetic (合成) division tree with no boundaries: 2 streets of 2 communities each."""
    province = Division.objects.create(code="990000000000", name="合成省", level="province")
    city = Division.objects.create(code="990100000000", name="合成市", level="city", parent=province)
    district = Division.objects.create(code=DISTRICT, name="合成区", level="district", parent=city)
    for s in (1, 2):
        street = Division.objects.create(
            code=f"990101{s:03d}000", name=f"合成街道{s}", level="street", parent=district
        )
        for c in (1, 2):
            Division.objects.create(
                code=f"990101{s:03d}{c:03d}", name=f"合成社区{s}-{c}", level="community", parent=street
            )
    return district


@pytest.fixture
def admin(db) -> User:
    return User.objects.create_user(
        username="cityadmin", password="x", role=Role.CITY_ADMIN, is_superuser=True, display_name="管理员"
    )


def _rewrite(
    src: Path,
    dst: Path,
    *,
    drop: set[int] = frozenset(),
    rename: dict[int, str] | None = None,
    ways: bool = True,
    drop_nodes: set[int] = frozenset(),
) -> None:
    """A copy of ``src`` without the ways ``drop``, with ways renamed, or without any way."""
    rename = rename or {}
    writer = osmium.SimpleWriter(str(dst))

    class Copy(osmium.SimpleHandler):  # type: ignore[misc]
        def node(self, n):  # noqa: ANN001
            if n.id in drop_nodes:
                writer.add_node(n.replace(tags={}))
            else:
                writer.add_node(n)

        def way(self, w):  # noqa: ANN001
            if not ways or w.id in drop:
                return
            if w.id in rename:
                tags = {t.k: t.v for t in w.tags} | {"name": rename[w.id]}
                writer.add_way(w.replace(tags=tags))
            else:
                writer.add_way(w)

        def relation(self, r):  # noqa: ANN001
            if ways:
                writer.add_relation(r)

    Copy().apply_file(str(src))
    writer.close()


def _evaluate(district: Division) -> AnalysisRun:
    run = AnalysisRun.objects.create(area=district, standard=standard_current(), walker=Walker.ADULT)
    assert execute(run.pk) == "done", AnalysisRun.objects.get(pk=run.pk).error
    run.refresh_from_db()
    return run


def test_load_osm_on_a_second_real_extract_then_a_district_evaluation(synthetic_district, admin, capsys):
    call_command("load_osm", str(HELSINKI), clip_to=DISTRICT)
    out = capsys.readouterr().out
    assert "is now current" in out
    extract = OsmExtract.objects.get(status=ExtractStatus.CURRENT, area=synthetic_district)
    counts = extract.counts
    assert counts["nodes"] > 500
    assert counts["edges"] > 500
    assert counts["compounds"] >= 10
    assert counts["facilities"] >= 50
    assert counts["generated_boundaries"] == 6  # 2 streets + 4 communities, marked 生成（示意）
    assert 24.93 < extract.west < extract.east < 24.96
    compounds = Compound.objects.filter(community__code__startswith="990101")
    assert compounds.count() == counts["compounds"]
    assert all(c.households_estimated and c.households > 0 for c in compounds)
    assert Compound.objects.filter(community__code__startswith="990101", buildings__isnull=False).exists()
    community = Division.objects.get(code="990101001001")
    assert community.boundary
    assert community.boundary_source == Source.GENERATED
    assert (
        Facility.objects.filter(community__code__startswith="990101", source=Source.OSM).count()
        == (counts["facilities"])
    )

    run = _evaluate(synthetic_district)
    assert run.extract_id == extract.pk
    assert run.network_key == extract.network_key
    assert run.snapshot["facilities"] > 0
    assert len(run.snapshot["facilities_digest"]) == 64
    assert CompoundResult.objects.filter(run=run).count() == counts["compounds"]
    assert Gap.objects.filter(run=run).exists()
    client = Client()
    client.force_login(admin)
    layers = client.get(f"/lifecircle/runs/{run.pk}/map.geojson?element=primary_school")
    assert layers.status_code == 200
    assert any(f["properties"]["layer"] == "compound" for f in layers.json()["features"])

    # Loading the same file again changes nothing and reuses the cached network.
    report = load_extract(HELSINKI, clip_to=DISTRICT)
    assert report.network_parsed is False
    assert report.changes["compounds"]["created"] == 0
    assert report.changes["compounds"]["updated"] == 0
    assert report.changes["facilities"]["created"] == 0
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.SUPERSEDED


def test_an_updated_extract_updates_in_place_and_old_runs_still_open(synthetic_district, admin, tmp_path):
    first = load_extract(HELSINKI, clip_to=DISTRICT).extract
    old_run = _evaluate(synthetic_district)
    compounds = list(Compound.objects.filter(community__code__startswith="990101").order_by("pk"))
    gone, renamed = compounds[0], compounds[1]
    facility = Facility.objects.filter(community__code__startswith="990101", source=Source.OSM).first()
    assert gone.source_ref.startswith("way/")
    assert renamed.source_ref.startswith("way/")
    assert facility.source_ref.startswith("osm:node/")
    updated = tmp_path / "helsinki-updated.osm.pbf"
    _rewrite(
        HELSINKI,
        updated,
        drop={int(gone.source_ref.split("/")[1])},
        rename={int(renamed.source_ref.split("/")[1]): "新名字小区"},
        drop_nodes={int(facility.source_ref.split("/")[1])},
    )

    second = load_extract(updated, clip_to=DISTRICT).extract
    assert second.network_key != first.network_key
    first.refresh_from_db()
    assert (first.status, second.status) == (ExtractStatus.SUPERSEDED, ExtractStatus.CURRENT)
    changes = second.changes
    assert changes["compounds"]["removed"] == 1
    assert changes["compounds"]["updated"] >= 1
    assert changes["compounds"]["created"] == 0
    assert changes["facilities"]["removed"] == 1
    gone.refresh_from_db()
    renamed.refresh_from_db()
    assert gone.retired_at is not None  # kept for the old run's results
    assert renamed.name == "新名字小区"
    assert renamed.pk == compounds[1].pk
    assert not Facility.objects.filter(pk=facility.pk).exists()

    new_run = _evaluate(synthetic_district)
    assert new_run.extract_id == second.pk
    assert not CompoundResult.objects.filter(run=new_run, compound=gone).exists()
    assert new_run.snapshot["facilities_digest"] != old_run.snapshot["facilities_digest"]

    # The old run keeps its network (by key) and its map, what-if and report still open.
    assert network_by_key(old_run.network_key) is not None
    assert run_network(old_run).n_nodes == network_by_key(first.network_key).n_nodes
    client = Client()
    client.force_login(admin)
    assert client.get(f"/lifecircle/runs/{old_run.pk}/").status_code == 200
    layers = client.get(f"/lifecircle/runs/{old_run.pk}/map.geojson?element=primary_school").json()
    names = {
        f["properties"].get("name") for f in layers["features"] if f["properties"]["layer"] == "compound"
    }
    assert gone.name in names  # the old run still shows the compound it evaluated
    compound = next(f for f in layers["features"] if f["properties"]["layer"] == "compound")
    lon, lat = compound["geometry"]["coordinates"]
    what_if = client.post(
        f"/lifecircle/runs/{old_run.pk}/what-if.json", {"element": "primary_school", "lon": lon, "lat": lat}
    )
    assert what_if.status_code == 200, what_if.content
    pdf = client.get(f"/lifecircle/runs/{old_run.pk}/report.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("kind", ["truncated", "text", "no_ways", "too_large"])
def test_a_bad_extract_changes_nothing(synthetic_district, tmp_path, settings, kind):
    current = load_extract(HELSINKI, clip_to=DISTRICT).extract
    before = (
        Compound.objects.filter(retired_at__isnull=True).count(),
        Facility.objects.count(),
        list(Division.objects.filter(code__startswith="990101").values_list("boundary", flat=True)),
    )
    bad = tmp_path / f"{kind}.osm.pbf"
    expected = {
        "truncated": "bad_pbf",
        "text": "not_pbf",
        "no_ways": "no_walkable_ways",
        "too_large": "too_large",
    }
    if kind == "truncated":
        bad.write_bytes(HELSINKI.read_bytes()[:200_000])
    elif kind == "text":
        bad.write_text("<osm>not a pbf</osm>")
    elif kind == "no_ways":
        _rewrite(HELSINKI, bad, ways=False)
    else:
        settings.SHEZHI_OSM_MAX_BYTES = 100_000
        bad.write_bytes(HELSINKI.read_bytes())
    with pytest.raises(CommandError) as info:
        call_command("load_osm", str(bad), clip_to=DISTRICT)
    assert "nothing changed" in str(info.value)
    assert {
        "truncated": "cannot be read",
        "text": "not an OSM PBF",
        "no_ways": "no walkable way",
        "too_large": "exceeds",
    }[kind] in str(info.value)
    assert expected[kind] in {"bad_pbf", "not_pbf", "no_walkable_ways", "too_large"}
    others = OsmExtract.objects.exclude(pk=current.pk)
    if kind in ("truncated", "no_ways"):  # refused while parsing: recorded as failed, never current
        failed = others.get()
        assert failed.status == ExtractStatus.FAILED
        assert failed.error
    else:  # refused before reading: no record at all
        assert not others.exists()
    current.refresh_from_db()
    assert current.status == ExtractStatus.CURRENT
    after = (
        Compound.objects.filter(retired_at__isnull=True).count(),
        Facility.objects.count(),
        list(Division.objects.filter(code__startswith="990101").values_list("boundary", flat=True)),
    )
    assert after == before


def test_an_unknown_division_is_refused(db):
    with pytest.raises(CommandError, match="unknown division"):
        call_command("load_osm", str(HELSINKI), clip_to="990199000000")


def test_an_extract_that_misses_the_division_is_refused(db):
    chenghua = Division.objects.get(code="510108000000")  # has (generated) boundaries in Chengdu
    assert chenghua.boundary
    with pytest.raises(CommandError, match="does not overlap"):
        call_command("load_osm", str(HELSINKI), clip_to=chenghua.code)
    assert not OsmExtract.objects.filter(status=ExtractStatus.CURRENT).exists()


def test_the_run_on_the_bundled_data_records_its_snapshot(db):
    run = AnalysisRun.objects.filter(status=RunStatus.DONE, area__code="510108000000").latest("pk")
    assert run.extract_id is None  # the bundled extract
    assert run.snapshot["network_key"] == run.network_key
    assert run.snapshot["compounds"] == CompoundResult.objects.filter(run=run).count()


class _FakeTask:
    """Stands in for the task backend: records what the page queued."""

    def __init__(self, queued: list[tuple[int, str]]) -> None:
        self.queued = queued

    def enqueue(self, *args: object) -> None:
        self.queued.append(args)  # type: ignore[arg-type]


def _upload(client: Client, data: bytes, name: str = "helsinki.osm.pbf", clip_to: str = DISTRICT):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/lifecircle/extracts/",
        {"file": SimpleUploadedFile(name, data), "clip_to": clip_to, "name": "赫尔辛基中心"},
    )


def test_the_admin_page_uploads_queues_and_loads_with_progress(
    synthetic_district, admin, django_capture_on_commit_callbacks, monkeypatch
):
    from shezhi.lifecircle import extract_tasks

    queued: list[tuple[int, str]] = []
    monkeypatch.setattr(extract_tasks, "load_extract_task", _FakeTask(queued))
    client = Client()
    client.force_login(admin)
    assert client.get("/lifecircle/extracts/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, HELSINKI.read_bytes())
    assert response.status_code == 302
    extract = OsmExtract.objects.latest("pk")
    assert response["Location"] == f"/lifecircle/extracts/{extract.pk}/"
    assert queued == [(extract.pk, queued[0][1])]
    status = client.get(f"/lifecircle/extracts/{extract.pk}/status.json").json()
    assert status["status"] == "loading"
    assert status["finished"] is False
    assert extract_tasks.execute_load(*queued[0]) == "done"
    assert not Path(queued[0][1]).exists()  # the upload is discarded; the extract keeps its copy
    status = client.get(f"/lifecircle/extracts/{extract.pk}/status.json").json()
    assert (status["status"], status["progress"], status["finished"]) == ("current", 100, True)
    page = client.get(f"/lifecircle/extracts/{extract.pk}/").content.decode()
    assert 'data-testid="extract-counts"' in page
    assert "赫尔辛基中心" in page


def test_the_admin_page_refuses_bad_files_next_to_the_field(synthetic_district, admin):
    client = Client()
    client.force_login(admin)
    for data, name, message in [
        (b"<osm/>", "x.osm.pbf", "不是 OSM PBF 文件"),
        (HELSINKI.read_bytes(), "x.csv", "只支持 OSM PBF 文件"),
    ]:
        page = _upload(client, data, name).content.decode()
        assert 'data-testid="error-file"' in page
        assert message in page
    assert not OsmExtract.objects.exists()


def test_cancelling_a_queued_load_changes_nothing(
    synthetic_district, admin, monkeypatch, django_capture_on_commit_callbacks
):
    from shezhi.lifecircle import extract_tasks

    queued: list[tuple[int, str]] = []
    monkeypatch.setattr(extract_tasks, "load_extract_task", _FakeTask(queued))
    client = Client()
    client.force_login(admin)
    before = Compound.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, HELSINKI.read_bytes())
    extract = OsmExtract.objects.latest("pk")
    assert client.post(f"/lifecircle/extracts/{extract.pk}/cancel/").status_code == 302
    assert extract_tasks.execute_load(*queued[0]) == "not loading"
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.CANCELLED
    assert Compound.objects.count() == before


def test_a_cancel_during_the_load_rolls_back(synthetic_district):
    extract = OsmExtract.objects.create(name="x", sha256="", area=synthetic_district)
    before = (Compound.objects.count(), Facility.objects.count())

    def cancel_at_swap(pct: int, stage: str) -> None:
        if stage == "swap":
            OsmExtract.objects.filter(pk=extract.pk).update(status=ExtractStatus.CANCELLED)

    from shezhi.lifecircle.extracts import Cancelled

    with pytest.raises(Cancelled):
        load_extract(HELSINKI, extract=extract, progress=cancel_at_swap)
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.CANCELLED
    assert (Compound.objects.count(), Facility.objects.count()) == before
    assert not Division.objects.get(code="990101001001").boundary


def test_district_staff_see_only_their_extracts(synthetic_district, world):
    other = OsmExtract.objects.create(name="x", sha256="", area=synthetic_district)
    client = Client()
    client.force_login(world.dora)  # district staff of 成华区
    assert client.get("/lifecircle/extracts/").status_code == 200
    assert client.get(f"/lifecircle/extracts/{other.pk}/").status_code == 404
    client.force_login(world.carol)  # a community worker loads nothing
    assert client.get("/lifecircle/extracts/").status_code == 403
    assert client.get(f"/lifecircle/extracts/{other.pk}/status.json").status_code == 404


def test_the_bundled_extract_through_the_same_command_updates_the_demo_in_place(db):
    """The loader is honest on the bundled real extract too: the demo's OSM rows are matched by id."""
    from shezhi.places.osm import BUNDLED_PBF

    demo = set(Compound.objects.filter(community__code__startswith="510108").values_list("pk", flat=True))
    facilities = Facility.objects.filter(source=Source.OSM).count()
    report = load_extract(BUNDLED_PBF, clip_to="510108000000")
    changes = report.changes
    assert report.network_parsed is False  # the demo's runs parsed and cached it already
    assert report.counts["generated_boundaries"] == 0  # the demo's boundaries are kept
    # every demo compound is found again by its OSM id (named 小区 polygons may add a few)
    assert changes["compounds"]["removed"] == 0
    assert demo <= set(Compound.objects.filter(retired_at__isnull=True).values_list("pk", flat=True))
    assert changes["facilities"]["created"] == 0
    assert changes["facilities"]["removed"] == 0
    assert Facility.objects.filter(source=Source.OSM).count() == facilities
    run = _evaluate(Division.objects.get(code="510108002000"))
    assert run.extract_id == report.extract.pk
