"""Pages and API: every value links to its formula version and source rows, scoped by area."""

import json
from pathlib import Path

import pytest
from django.test import Client

from shezhi.indicators import services
from shezhi.indicators.models import IndicatorValue, RankingEntry

WEIGHTS = {"SVC-01": 0.2, "SVC-02": 0.2, "SVC-03": 0.2, "ECO-02": 0.2, "GOV-06": 0.2}


@pytest.fixture
def published(catalogue, world):
    district = world.street_x.parent
    run = services.run_execute(services.run_start(area=district, period="2026", actor=None).pk)
    r = services.ranking_create(
        name="百强",
        area=district,
        run=run,
        weights=WEIGHTS,
        normalisation="minmax",
        aggregation="arithmetic",
        actor=None,
        draws=100,
    )
    services.ranking_publish(r, None)
    return run, r


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_dashboard_links_values_to_formula_and_sources(published, world):
    run, r = published
    c = _client(world.dora)
    page = c.get(f"/indicators/?area={world.street_x.parent.code}")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('data-testid="value-link"') >= 25
    assert 'data-testid="formula-link"' in body
    assert f"/indicators/rankings/{r.pk}/" in body
    value = IndicatorValue.objects.get(run=run, indicator__code="GOV-06", area=world.grid_a.community)
    detail = c.get(f"/indicators/values/{value.pk}/").content.decode()
    assert f"v{value.formula.number}" in detail
    assert value.digest in detail
    case_ids = value.sources["cases.accepted"]["rows"]
    assert case_ids
    from shezhi.cases.models import Case

    assert f"/cases/{Case.objects.get(pk=case_ids[0]).code}/" in detail  # a source row, linked
    assert "个人信息不逐条列出" in detail  # households counted, not listed
    explain = c.get(f"/indicators/rankings/{r.pk}/{world.grid_a.community.code}/").content.decode()
    assert "SVC-01" in explain
    assert "合计" in explain
    assert c.get(f"/indicators/?area={world.street_x.parent.code}&screen=1").status_code == 200


@pytest.mark.django_db
def test_scoping_of_values_rankings_and_roles(published, world):
    run, r = published
    foreign = IndicatorValue.objects.filter(run=run, area__code__startswith=world.street_y.prefix).first()
    assert _client(world.sam).get(f"/indicators/values/{foreign.pk}/").status_code == 404
    page = _client(world.carol).get(f"/indicators/rankings/{r.pk}/").content.decode()
    own = RankingEntry.objects.get(ranking=r, area=world.grid_a.community)
    other = RankingEntry.objects.filter(ranking=r).exclude(area=world.grid_a.community).first()
    assert own.area.name in page
    assert f"/{other.area.code}/" not in page
    assert _client(world.rita).get("/indicators/").status_code == 403
    assert (
        _client(world.sam).get(f"/indicators/rankings/{r.pk}/{world.grid_y.community.code}/").status_code
        == 404
    )


@pytest.mark.django_db
def test_api_refusals_and_provenance(published, world):
    run, r = published
    dora = _client(world.dora)
    post = lambda url, body: dora.post(url, json.dumps(body), content_type="application/json")  # noqa: E731
    bad = post(
        "/api/v1/indicators/GOV-02/formulas",
        {"text": "cases.nope / cases.accepted", "effective_from": "2030-01-01"},
    )
    assert bad.status_code == 422
    assert set(bad.json()) >= {"code", "message", "message_en", "details"}
    assert bad.json()["details"][0]["field"] == "text"
    ok = post(
        "/api/v1/indicators/GOV-02/formulas",
        {"text": "100*cases.closed/cases.accepted", "effective_from": "2030-01-01"},
    )
    assert ok.status_code == 201
    assert ok.json()["number"] == 2
    w = post(
        "/api/v1/rankings",
        {
            "name": "x",
            "area": world.street_x.parent.code,
            "run": run.pk,
            "weights": {"SVC-01": 0.6, "SVC-02": 0.6},
            "normalisation": "minmax",
            "aggregation": "arithmetic",
        },
    )
    assert w.status_code == 422
    assert "sum to 1" in w.json()["message_en"]
    again = post(f"/api/v1/rankings/{r.pk}/publish", {})
    assert again.status_code == 409
    value = IndicatorValue.objects.get(run=run, indicator__code="GOV-06", area=world.grid_a.community)
    detail = _client(world.alice).get(f"/api/v1/indicator-values/{value.pk}").json()
    by = {s["measure"]: s for s in detail["sources"]}
    assert by["cases.accepted"]["rows"]
    assert by["people.households"]["rows"] == []  # personal rows: counted, ids withheld
    assert (
        _client(world.sam)
        .post(
            "/api/v1/indicator-runs",
            json.dumps({"area": world.street_x.code, "period": "2026"}),
            content_type="application/json",
        )
        .status_code
        == 403
    )
    started = post("/api/v1/indicator-runs", {"area": world.street_x.code, "period": "2026"})
    assert started.status_code == 202


@pytest.mark.django_db
def test_nav_offers_only_what_the_role_can_use(world):
    from shezhi.indicators.nav import nav_items, work_cards

    assert nav_items(world.rita) == []
    assert [i.url for i in nav_items(world.dora)] == ["/indicators/", "/indicators/catalogue/"]
    assert work_cards(world.dora)
    assert work_cards(world.alice) == []
    for item in nav_items(world.alice):
        assert _client(world.alice).get(item.url).status_code == 200


@pytest.mark.django_db
def test_reports_excel_and_pdf_from_the_same_values(published, world, tmp_path):
    import io
    import shutil
    import subprocess

    from openpyxl import load_workbook
    from pypdf import PdfReader

    run, r = published
    c = _client(world.dora)
    area = world.street_x.parent.code
    x = c.get(f"/indicators/reports/annual/?area={area}&period=2026&format=xlsx")
    assert x.status_code == 200
    wb = load_workbook(io.BytesIO(x.content))
    cells = [str(v) for row in wb["指标"].iter_rows(values_only=True) for v in row if v is not None]
    gov6 = IndicatorValue.objects.get(run=run, indicator__code="GOV-06", area=world.street_x.parent)
    assert f"{gov6.value:.1f}" in cells
    assert "榜单" in wb.sheetnames
    p = c.get(f"/indicators/reports/annual/?area={area}&period=2026&format=pdf")
    assert p.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(p.content)).pages)
    assert "诉求密度" in text
    assert f"{gov6.value:.1f}" in text
    if shutil.which("pdftoppm"):
        (tmp_path / "r.pdf").write_bytes(p.content)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(tmp_path / "r.pdf"),
                        str(tmp_path / "page")], check=True)  # fmt: skip
        pages = sorted(tmp_path.glob("page*.png"))
        assert pages
        out = Path(__file__).resolve().parents[3] / "test-results"  # for a human to look at
        out.mkdir(exist_ok=True)
        for i, png in enumerate(pages, 1):
            shutil.copy(png, out / f"indicators-report-{i}.png")
    assert _client(world.dora).get("/indicators/reports/annual.pdf?area=510108002001").status_code in (
        200,
        404,
    )
