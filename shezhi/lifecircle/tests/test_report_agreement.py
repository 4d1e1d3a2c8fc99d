"""The run page, the PDF report and the Excel report show the same figures.

For every demo run (the district for adults and for the elderly, every street as
``load_lifecircle --streets`` makes them) each surface is read as its reader sees it — the
rendered HTML, the PDF's text layer (pypdf), the workbook (openpyxl) — and every figure is
compared: the four kinds of indicator (value, unit, verdict), every element row (radius,
facilities located in the scope, household coverage, average walk), the counts of
communities, compounds, households and gaps. A street's or community's report of the
district run is compared with that area's own run page.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from shezhi.accounts.models import User
from shezhi.lifecircle import selectors
from shezhi.lifecircle.models import AnalysisRun, Gap, RunStatus, Walker
from shezhi.lifecircle.tasks import execute
from shezhi.places.models import Division

DISTRICT = "510108000000"
UNITS = ("平方米/百户", "%", "分钟", "项")
KINDS = ("规模", "覆盖", "效率", "品质")
#: What a surface calls the count of facilities in an element row (the same on every one).
FACILITIES_COLUMN = "范围内设施"


@dataclass
class Surface:
    """The figures one surface shows, as text normalised the same way for every surface."""

    indicators: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # kind → value, unit, verdict
    elements: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # radius, facilities, coverage, walk
    names: list[str] = field(default_factory=list)
    facilities_column: str = ""
    counts: dict[str, str] = field(default_factory=dict)


def _strip(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _walk(text: str) -> str:
    text = text.replace(" ", "")
    return "—" if text in ("—", "", "None") else text


def _page(client: Client, run: AnalysisRun) -> Surface:
    response = client.get(f"/lifecircle/runs/{run.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    out = Surface()
    cards = page.split('data-testid="indicators"', 1)[1].split("</div>\n<p", 1)[0]
    for big, kind in re.findall(r'<div class="big">(.*?)</div>\s*<div>(.*?)</div>', cards, re.S):
        value, unit, *verdict = _strip(big).split(" ")
        out.indicators[_strip(kind)] = (value, unit, "".join(verdict))
    table = page.split('data-testid="elements-result"', 1)[1].split("</table>", 1)[0]
    head, body = table.split("<tbody>", 1)
    headers = [_strip(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]
    out.facilities_column = headers[4]
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [_strip(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        out.names.append(cells[0])
        out.elements.append((cells[3].replace(" ", ""), cells[4], cells[5], _walk(cells[6])))
    facts = _strip(page.split('data-testid="elements-result"', 1)[0].rsplit("<p", 1)[1])
    for key, pattern in (
        ("communities", r"([\d,]+) 个社区"),
        ("communities_with_compounds", r"有小区的 ([\d,]+) 个"),
        ("compounds", r"([\d,]+) 个小区"),
        ("households", r"约 ([\d,]+) 户"),
        ("gaps", r"短板 ([\d,]+) 条"),
    ):
        found = re.search(pattern, facts)
        out.counts[key] = found.group(1).replace(",", "") if found else "(not shown)"
    return out


def _pdf(client: Client, url: str) -> Surface:
    response = client.get(url)
    assert response.status_code == 200, url
    lines = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    flat = re.sub(r"\s*\n\s*", "", lines)
    flat = re.sub(r"[ \t]+", " ", flat)
    out = Surface()
    section = flat.split("一、四类指标", 1)[1].split("二、服务要素", 1)[0]
    units = "|".join(re.escape(u) for u in UNITS)
    for kind in KINDS:
        found = re.search(rf"{kind} ?([\d.]+(?:/\d+)?|—) ?({units})(?:（(未?达标)）)?", section)
        out.indicators[kind] = (
            (found.group(1), found.group(2), found.group(3) or "") if found else ("?", "", "")
        )
    table = flat.split("二、服务要素", 1)[1].split("三、地图", 1)[0]
    header = re.search(r"服务要素 所属圈 类型 服务半径 (\S+) 户数覆盖率", table)
    out.facilities_column = header.group(1) if header else ""
    for radius, count, coverage, walk in re.findall(r"(\d+) ?米 (\d+) ([\d.]+%) (\d+ ?米|—)", table):
        out.elements.append((f"{radius}米", count, coverage, _walk(walk)))
    for key, label in (
        ("communities", "社区数"),
        ("communities_with_compounds", "有小区的社区数"),
        ("compounds", "小区数"),
        ("households", r"户数（估算）"),
        ("gaps", "短板条数"),
    ):
        found = re.search(rf"^{label} ([\d,]+)$", lines, re.M)
        out.counts[key] = found.group(1).replace(",", "") if found else "(not shown)"
    total = re.search(r"共 (\d+) 条短板", flat)
    out.counts["gaps_in_list"] = total.group(1) if total else "(not shown)"
    return out


def _xlsx(client: Client, url: str) -> Surface:
    response = client.get(url)
    assert response.status_code == 200, url
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    out = Surface()
    overview = [row for row in wb["概况"].iter_rows(values_only=True) if row and row[0] is not None]
    for row in overview:
        if row[0] in KINDS and len(row) >= 3:
            verdict = row[4] if len(row) > 4 and row[4] else ""
            out.indicators[row[0]] = (str(row[1]), str(row[2]), verdict)
    facts = {row[0]: row[1] for row in overview if len(row) > 1}
    for key, label in (
        ("communities", "社区数"),
        ("communities_with_compounds", "有小区的社区数"),
        ("compounds", "小区数"),
        ("households", "户数（估算）"),
        ("gaps", "短板条数"),
    ):
        value = facts.get(label)
        out.counts[key] = str(value).replace(",", "") if value is not None else "(not shown)"
    out.counts["gaps_in_list"] = str(sum(1 for _row in wb["短板清单"].iter_rows(min_row=2)))
    rows = list(wb["服务要素"].iter_rows(values_only=True))
    col = {name: i for i, name in enumerate(rows[0])}
    out.facilities_column = FACILITIES_COLUMN if FACILITIES_COLUMN in col else "|".join(map(str, rows[0]))
    facilities = col.get(FACILITIES_COLUMN, 6)
    for row in rows[1:]:
        walk = row[col["平均步行距离（米）"]]
        out.names.append(row[col["服务要素"]])
        out.elements.append(
            (
                f"{row[col['服务半径（米）']]}米",
                str(row[facilities]),
                f"{row[col['户数覆盖率']] * 100:.1f}%",
                "—" if walk is None else f"{walk}米",
            )
        )
    return out


def _agree(page: Surface, pdf: Surface, xlsx: Surface, run: AnalysisRun, what: object) -> None:
    """Every figure of ``page`` (the page of ``run``) is the same in ``pdf`` and ``xlsx``."""
    assert set(page.indicators) == set(KINDS), what
    assert len(page.elements) == run.standard.elements.count(), what  # every element row was read
    for name, other in (("PDF", pdf), ("Excel", xlsx)):
        assert other.indicators == page.indicators, (what, name, "four kinds")
        assert other.facilities_column == page.facilities_column == FACILITIES_COLUMN, (what, name)
        assert len(other.elements) == len(page.elements), (what, name, "element rows")
        for i, (mine, theirs) in enumerate(zip(page.elements, other.elements, strict=True)):
            assert theirs == mine, (what, name, page.names[i], "radius, facilities, coverage, walk")
        for key, value in page.counts.items():
            assert other.counts[key] == value, (what, name, key)
    assert page.names == xlsx.names, what
    assert "(not shown)" not in page.counts.values(), (what, page.counts)
    assert int(page.counts["gaps"]) == Gap.objects.filter(run=run).count(), what
    assert pdf.counts["gaps_in_list"] == xlsx.counts["gaps_in_list"] == page.counts["gaps"], what


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _run(area: Division, walker: str = Walker.ADULT) -> AnalysisRun:
    done = AnalysisRun.objects.filter(area=area, walker=walker, status=RunStatus.DONE)
    if done.exists():
        return done.latest("pk")
    run = AnalysisRun.objects.create(area=area, standard=selectors.standard_current(), walker=walker)
    assert execute(run.pk) == "done"
    return run


@pytest.mark.parametrize(("area", "walker"), [(DISTRICT, Walker.ADULT), (DISTRICT, Walker.ELDERLY)])
def test_every_figure_of_the_district_runs_is_the_same_on_page_pdf_and_excel(world, area, walker):
    run = _run(Division.objects.get(code=area), walker)
    client = _client(world.dora)
    base = f"/lifecircle/runs/{run.pk}"
    page = _page(client, run)
    _agree(page, _pdf(client, f"{base}/report.pdf"), _xlsx(client, f"{base}/report.xlsx"), run, run)


def test_every_figure_of_every_street_run_is_the_same_on_page_pdf_and_excel(world):
    streets = Division.objects.filter(parent__code=DISTRICT).order_by("code")
    assert streets.count() == 11  # as load_lifecircle --streets evaluates them for `make run`
    client = _client(world.dora)
    for street in streets:
        run = _run(street)
        base = f"/lifecircle/runs/{run.pk}"
        page = _page(client, run)
        pdf, xlsx = _pdf(client, f"{base}/report.pdf"), _xlsx(client, f"{base}/report.xlsx")
        _agree(page, pdf, xlsx, run, street.name)
        communities = Division.objects.filter(parent=street).count()
        assert page.counts["communities"] == str(communities), street.name  # also those without compounds


@pytest.mark.parametrize("street", ["510108002000", "510108004000"])
def test_a_street_report_of_the_district_run_shows_the_street_runs_figures(world, street):
    district_run = _run(Division.objects.get(code=DISTRICT))
    area = Division.objects.get(code=street)
    street_run = _run(area)
    client = _client(world.dora)
    base = f"/lifecircle/runs/{district_run.pk}"
    page = _page(client, street_run)
    pdf = _pdf(client, f"{base}/report.pdf?street={street}")
    xlsx = _xlsx(client, f"{base}/report.xlsx?street={street}")
    _agree(page, pdf, xlsx, street_run, f"{area.name} in the district run")


def test_a_community_report_of_the_district_run_shows_the_community_runs_figures(world):
    district_run = _run(Division.objects.get(code=DISTRICT))
    community = world.grid_a.community
    community_run = _run(community)
    client = _client(world.dora)
    base = f"/lifecircle/runs/{district_run.pk}"
    _agree(
        _page(client, community_run),
        _pdf(client, f"{base}/report.pdf?community={community.code}"),
        _xlsx(client, f"{base}/report.xlsx?community={community.code}"),
        community_run,
        community.name,
    )
