"""The evaluation report: PDF with an embedded, subset Chinese font, and the same as Excel."""

import io
import re

import pytest
from django.test import Client
from fontTools.ttLib import TTFont
from openpyxl import load_workbook
from pypdf import PdfReader

from shezhi.lifecircle import selectors
from shezhi.lifecircle.models import AnalysisRun, CommunityResult, CompoundResult, Gap, RunStatus
from shezhi.lifecircle.pdf import GAP_ROWS, font_file
from shezhi.lifecircle.tasks import execute

SHEETS = ["概况", "服务要素", "社区", "短板清单", "建议"]


@pytest.fixture
def demo_run(db) -> AnalysisRun:
    return AnalysisRun.objects.filter(status=RunStatus.DONE, area__code="510108000000").latest("pk")


def _finished_run(area) -> AnalysisRun:
    run = AnalysisRun.objects.create(area=area, standard=selectors.standard_current())
    assert execute(run.pk) == "done"
    return run


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(pdf: bytes) -> str:
    """The PDF's text layer, runs of spaces collapsed (extraction widens gaps around Latin)."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"[ \t]+", " ", text)


def _embedded_fonts(pdf: bytes) -> list[tuple[str, str, bytes]]:
    """(base font, font file key, embedded font file) of every composite font in the PDF."""
    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert font["/Subtype"] == "/Type0"
            assert "/ToUnicode" in font  # what makes the text layer searchable
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            key = next(k for k in ("/FontFile2", "/FontFile3") if k in descriptor)
            fonts[font.indirect_reference.idnum] = (
                str(font["/BaseFont"]),
                key,
                descriptor[key].get_object().get_data(),
            )
    return list(fonts.values())


def test_the_district_report_pdf_has_chinese_text_and_an_embedded_subset_font(world, demo_run):
    response = _client(world.dora).get(f"/lifecircle/runs/{demo_run.pk}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    text = _text(pdf)
    top = Gap.objects.filter(run=demo_run).order_by("rank").first()
    for expected in ("成华区", "一刻钟社区生活圈评估报告", "规模", "覆盖", "效率", "品质", "短板清单"):
        assert expected in text, expected
    assert top.element_name.split("（")[0] in text
    assert top.community.name in text
    assert "OpenStreetMap" in text
    fonts = _embedded_fonts(pdf)
    assert {key for _name, key, _size in fonts} == {"/FontFile2"}  # TrueType outlines, embedded
    assert len(fonts) == 2  # regular and bold
    full = font_file().stat().st_size
    for name, _key, data in fonts:
        assert "+" in name  # the subset tag PDF readers expect, e.g. ABCDEF+NotoSansSC
        assert len(data) < full / 50, (name, len(data), full)
    # Not boxes: every character of the area's name has a drawn glyph in the embedded font.
    regular = next(TTFont(io.BytesIO(data)) for name, _k, data in fonts if not name.endswith("Bold"))
    cmap, glyf = regular.getBestCmap(), regular["glyf"]
    for char in "成华区" + top.community.name:
        glyph = cmap.get(ord(char))
        assert glyph not in (None, ".notdef"), char
        assert glyf[glyph].numberOfContours > 0, char
    assert len(pdf) < 2_000_000
    page_images = sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert page_images == 1  # the map
    total = Gap.objects.filter(run=demo_run).count()
    assert total > GAP_ROWS
    assert f"共 {total} 条短板" in text
    assert f"前 {GAP_ROWS} 条" in text


def test_the_excel_report_has_the_sheets_and_every_gap(world, demo_run):
    response = _client(world.dora).get(f"/lifecircle/runs/{demo_run.pk}/report.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    assert wb.sheetnames == SHEETS
    gaps = list(wb["短板清单"].iter_rows(values_only=True))
    assert gaps[0][0] == "排序"
    assert len(gaps) - 1 == Gap.objects.filter(run=demo_run).count()
    ranks = [row[0] for row in gaps[1:]]
    assert ranks == sorted(ranks)
    overview = [row[0] for row in wb["概况"].iter_rows(values_only=True) if row]
    assert {"规模", "覆盖", "效率", "品质"} <= set(overview)
    elements = list(wb["服务要素"].iter_rows(values_only=True))
    assert len(elements) - 1 == demo_run.standard.elements.count()
    communities = {row[1] for row in list(wb["社区"].iter_rows(values_only=True))[1:]}
    assert len(communities) == CommunityResult.objects.filter(run=demo_run).count()


def test_a_community_report_of_the_district_run(world, demo_run):
    community = world.grid_a.community
    client = _client(world.dora)
    response = client.get(f"/lifecircle/runs/{demo_run.pk}/report.xlsx?community={community.code}")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    codes = {row[2] for row in list(wb["短板清单"].iter_rows(values_only=True))[1:]}
    assert codes <= {community.code}
    assert len(codes) == (1 if Gap.objects.filter(run=demo_run, community=community).exists() else 0)
    assert {row[1] for row in list(wb["社区"].iter_rows(values_only=True))[1:]} == {community.code}
    street = client.get(f"/lifecircle/runs/{demo_run.pk}/report.xlsx?street={world.street_x.code}")
    wb = load_workbook(io.BytesIO(street.content), read_only=True)
    codes = {row[1] for row in list(wb["社区"].iter_rows(values_only=True))[1:]}
    assert community.code in codes
    assert all(code.startswith(world.street_x.prefix) for code in codes)
    # Not a division of this run's area, or not a code at all.
    assert client.get(f"/lifecircle/runs/{demo_run.pk}/report.pdf?community=510104001001").status_code == 404
    assert client.get(f"/lifecircle/runs/{demo_run.pk}/report.pdf?community=abc").status_code == 404


def test_a_street_officer_of_another_street_gets_404(world):
    run = _finished_run(world.street_x)
    own = _client(world.sam).get(f"/lifecircle/runs/{run.pk}/report.xlsx")
    assert own.status_code == 200
    for suffix in ("report.pdf", "report.xlsx", f"report.pdf?community={world.grid_a.community.code}"):
        assert _client(world.tina).get(f"/lifecircle/runs/{run.pk}/{suffix}").status_code == 404
    # Sam cannot reach into street Y through the community parameter either.
    other = world.grid_y.community.code
    assert (
        _client(world.sam).get(f"/lifecircle/runs/{run.pk}/report.xlsx?community={other}").status_code == 404
    )


def test_a_grid_workers_community_report_shows_only_their_community(world):
    community = world.grid_a.community
    run = _finished_run(community)
    response = _client(world.alice).get(f"/lifecircle/runs/{run.pk}/report.pdf")
    assert response.status_code == 200
    text = _text(response.content)
    assert community.name in text
    others = CommunityResult.objects.filter(run__area__code="510108000000").exclude(community=community)
    assert not any(r.community.name in text for r in others.select_related("community")[:30])
    own_compounds = CompoundResult.objects.filter(run=run, grid__path__startswith=world.grid_a.path).count()
    assert f"{own_compounds} 个小区" in text  # the map shows alice's grid, not bob's
    assert own_compounds < CompoundResult.objects.filter(run=run).count()
    wb = load_workbook(io.BytesIO(_client(world.alice).get(f"/lifecircle/runs/{run.pk}/report.xlsx").content))
    assert {row[1] for row in list(wb["社区"].iter_rows(values_only=True))[1:]} == {community.code}


def test_a_run_that_has_not_finished_has_no_report(world):
    run = AnalysisRun.objects.create(area=world.street_x, standard=selectors.standard_current())
    assert _client(world.sam).get(f"/lifecircle/runs/{run.pk}/report.pdf").status_code == 404


def test_the_run_page_links_the_reports(world, demo_run):
    page = _client(world.dora).get(f"/lifecircle/runs/{demo_run.pk}/").content.decode()
    assert f"/lifecircle/runs/{demo_run.pk}/report.pdf" in page
    assert f"/lifecircle/runs/{demo_run.pk}/report.xlsx" in page
