"""The content of the life-circle evaluation report (评估报告), shared by the PDF and Excel versions.

:func:`evaluation_report` reads what the acting user may see of a finished run, optionally
narrowed to one street or community, and aggregates it: the four kinds of indicator
(规模·覆盖·效率·品质), a row per service element, the community results, the ranked gap list
and recommendations derived from it, and the compounds for the map figure. Figures are
always aggregated from the community results the user may read, so a community worker's
report of a district run shows their community and nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shezhi.accounts.models import User
from shezhi.lifecircle import report, selectors
from shezhi.lifecircle.models import (
    AnalysisRun,
    CommunityResult,
    ElementKind,
    Gap,
    GapKind,
    RunStatus,
    ServiceElement,
)
from shezhi.places.models import Division

#: The element the map shows when the report has no gap to point at.
DEFAULT_MAP_ELEMENT = "primary_school"
#: Recommendations name at most this many communities each.
NAMED_PER_RECOMMENDATION = 3


@dataclass
class ElementRow:
    """One service element over the report's scope."""

    code: str
    name: str
    circle: str
    kind: str
    level: str
    radius_m: int
    households: float
    covered: float
    facilities: int
    floor_area_m2: float
    mean_walk_m: float | None

    @property
    def coverage(self) -> float:
        return self.covered / self.households if self.households else 0.0

    @property
    def uncovered(self) -> float:
        return self.households - self.covered


@dataclass
class MapPoint:
    lon: float
    lat: float
    households: int
    distance_m: float | None
    ok: bool


@dataclass
class MapLayer:
    """Compounds coloured by their walk to one element (the report's figure)."""

    code: str
    name: str
    radius_m: int
    points: list[MapPoint] = field(default_factory=list)
    facilities: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class EvaluationReport:
    run: AnalysisRun
    scope: Division
    generated_at: Any
    facts: list[tuple[str, str]]
    sources: list[str]
    indicators: list[dict[str, Any]]
    elements: list[ElementRow]
    communities: list[CommunityResult]
    gaps: list[Gap]
    recommendations: list[str]
    notes: list[str]
    map: MapLayer
    households: float
    residents: float

    @property
    def title(self) -> str:
        return _("%(area)s 一刻钟社区生活圈评估报告") % {"area": self.scope.name}

    @property
    def gap_total(self) -> int:
        return len(self.gaps)


@dataclass(frozen=True)
class _SummaryOnly:
    """What :func:`report.four_kinds` reads of a run: its summary."""

    summary: dict[str, Any]


def report_scope(*, actor: User, run: AnalysisRun, code: str | None) -> Division:
    """The run's area, or the street/community ``code`` inside it the actor may see (else 404)."""
    if not code:
        return run.area
    if len(code) != 12 or not code.isdigit():
        raise Http404("区划代码应为 12 位数字 / a division code has 12 digits")
    division = Division.objects.filter(code=code).first()
    if division is None or not division.code.startswith(run.area.prefix):
        raise Http404("不在本次评估范围内 / not in this evaluation's area")
    visible = selectors.community_results(actor=actor, run=run).filter(
        community__code__startswith=division.prefix
    )
    if not visible.exists():
        raise Http404("无权查看该区域 / not visible to you")
    return division


def evaluation_report(
    *, actor: User, run: AnalysisRun, scope: Division | None = None, element: str | None = None
) -> EvaluationReport:
    """Everything the report shows of ``run`` within ``scope``, as ``actor`` may see it."""
    if run.status != RunStatus.DONE:
        raise Http404("评估尚未完成 / the evaluation has not finished")
    scope = scope or run.area
    communities = list(
        selectors.community_results(actor=actor, run=run)
        .filter(community__code__startswith=scope.prefix)
        .order_by("community__code")
    )
    gaps = list(selectors.gap_list(actor=actor, run=run).filter(community__code__startswith=scope.prefix))
    standard = list(run.standard.elements.all())
    rows = _element_rows(standard, communities, run)
    households = sum(c.households for c in communities)
    summary = {
        "households": households,
        "speed_mps": run.speed_mps,
        "elements": {
            r.code: {
                "kind": r.kind,
                "coverage": r.coverage,
                "mean_walk_m": r.mean_walk_m,
                "floor_area_m2": r.floor_area_m2,
            }
            for r in rows
        },
    }
    by_code = {e.code: e for e in standard}
    chosen = element if element in by_code else None
    if chosen is None:
        chosen = gaps[0].element if gaps else DEFAULT_MAP_ELEMENT
    if chosen not in by_code:
        chosen = standard[0].code
    return EvaluationReport(
        run=run,
        scope=scope,
        generated_at=timezone.localtime(),
        facts=_facts(run, scope, communities, households),
        sources=_sources(),
        indicators=report.four_kinds(_SummaryOnly(summary)),  # type: ignore[arg-type]
        elements=rows,
        communities=communities,
        gaps=gaps,
        recommendations=recommendations(gaps, rows),
        notes=closing_notes(gaps, rows),
        map=_map_layer(actor=actor, run=run, scope=scope, element=by_code[chosen]),
        households=households,
        residents=sum(c.residents for c in communities),
    )


def _element_rows(
    standard: list[ServiceElement], communities: list[CommunityResult], run: AnalysisRun
) -> list[ElementRow]:
    rows = []
    for e in standard:
        values = [c.values.get(e.code) for c in communities]
        values = [v for v in values if v]
        hh = sum(v["households"] for v in values)
        walks = [(v["mean_walk_m"], v["households"]) for v in values if v.get("mean_walk_m") is not None]
        weight = sum(w for _m, w in walks)
        rows.append(
            ElementRow(
                code=e.code,
                name=e.name,
                circle=e.get_circle_display(),
                kind=e.kind,
                level=e.get_level_minutes_display(),
                radius_m=round(run.radius_m(e)),
                households=hh,
                covered=sum(v["covered"] for v in values),
                facilities=sum(v["facilities"] for v in values),
                floor_area_m2=sum(v.get("floor_area_m2") or 0 for v in values),
                mean_walk_m=sum(m * w for m, w in walks) / weight if weight else None,
            )
        )
    return rows


def _facts(
    run: AnalysisRun, scope: Division, communities: list[CommunityResult], households: float
) -> list[tuple[str, str]]:
    area = f"{scope.name}（{scope.code}）"
    if scope != run.area:
        area += _("，属 %(run)s 评估") % {"run": run.area.name}
    finished = timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M") if run.finished_at else "—"
    return [
        (_("评估范围"), area),
        (_("评估编号"), f"#{run.pk}"),
        (_("配置标准"), f"v{run.standard.number} {run.standard.title}"),
        (_("步行人群"), f"{run.get_walker_display()}（{run.speed_mps:g} 米/秒）"),
        (_("计算完成"), finished),
        (_("报告生成"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        (_("社区数"), str(len(communities))),
        (_("户数（估算）"), f"{households:,.0f}"),
    ]


def _sources() -> list[str]:
    return [
        _("步行路网、小区（住宅区）与设施点：%(osm)s，开放数据库许可 ODbL 1.0。")
        % {"osm": settings.OSM_ATTRIBUTION},
        _(
            "户数为估算值（按 OSM 住宅区用地面积、容积率约 2.0、户均约 90 平方米推算），"
            "常住人口按每户 2.5 人估算，仅供规划参考。"
        ),
        _("街道、社区与网格边界为生成的示意边界（生成（示意）），不是官方界线。"),
        _("行政区划代码：国家统计局 2023 年统计用区划代码（china-division，MIT）。"),
        _("报告字体：Noto Sans SC（SIL Open Font License 1.1），已嵌入本文件。"),
    ]


def recommendations(gaps: list[Gap], rows: list[ElementRow]) -> list[str]:
    """Plain-language actions from the gap list, the most households concerned first."""
    by_element: dict[str, list[Gap]] = defaultdict(list)
    for g in gaps:
        by_element[g.element].append(g)
    weighted: list[tuple[int, str]] = []
    for _code, items in sorted(by_element.items()):
        name = items[0].element_name
        for kind, text in (
            (
                GapKind.MISSING,
                _("%(name)s：%(n)d 个社区步行范围内没有，涉及 %(hh)s 户；建议优先在%(where)s布点。"),
            ),
            (
                GapKind.UNCOVERED,
                _("%(name)s：%(n)d 个社区覆盖不全，共 %(hh)s 户步行到不了；未覆盖最多的是%(where)s。"),
            ),
            (
                GapKind.UNDER_SPACE,
                _(
                    "%(name)s：%(n)d 个社区面积低于每百户标准（涉及 %(hh)s 户），"
                    "需新建或扩建用房：%(where)s。"
                ),
            ),
            (
                GapKind.UNDER_COUNT,
                _("%(name)s：%(n)d 个社区服务人口超过每处上限（涉及 %(hh)s 户），需增设：%(where)s。"),
            ),
        ):
            these = [g for g in items if g.kind == kind]
            if not these:
                continue
            households = sum(g.uncovered_households for g in these)
            weighted.append(
                (
                    households,
                    text % {"name": name, "n": len(these), "hh": f"{households:,}", "where": _named(these)},
                )
            )
    return [text for _hh, text in sorted(weighted, key=lambda item: -item[0])]


def closing_notes(gaps: list[Gap], rows: list[ElementRow]) -> list[str]:
    """What follows the gap-derived recommendations: quality elements, how to site."""
    lines = []
    quality = [r for r in rows if r.kind != ElementKind.BASIC and r.households and r.covered == 0]
    if quality:
        lines.append(
            _("品质提升与特色引导：%(names)s 在本范围内尚无一户可步行到达，可结合存量空间改造补充。")
            % {"names": "、".join(r.name for r in quality)}
        )
    if gaps:
        lines.append(_("选址可在平台「地图与模拟」中放置假设设施，即时查看覆盖率与短板的变化。"))
    else:
        lines.append(_("基础保障型要素均已达标，未发现短板。"))
    return lines


def _named(gaps: list[Gap]) -> str:
    top = sorted(gaps, key=lambda g: (-g.uncovered_households, g.rank))[:NAMED_PER_RECOMMENDATION]
    names = "、".join(f"{g.community.name}（{g.uncovered_households:,} 户）" for g in top)
    if len(gaps) > len(top):
        names += _("等")
    return names


def _map_layer(*, actor: User, run: AnalysisRun, scope: Division, element: ServiceElement) -> MapLayer:
    layer = MapLayer(code=element.code, name=element.name, radius_m=round(run.radius_m(element)))
    results = selectors.compound_results(actor=actor, run=run).filter(
        community__code__startswith=scope.prefix
    )
    for r in results:
        v = r.values.get(element.code, {})
        layer.points.append(
            MapPoint(
                lon=r.compound.lon,
                lat=r.compound.lat,
                households=r.households,
                distance_m=v.get("d"),
                ok=bool(v.get("ok")),
            )
        )
    if layer.points:
        # The element's facilities the actor may see, over the drawn extent.
        from shezhi.people.models import Facility

        lons = [p.lon for p in layer.points]
        lats = [p.lat for p in layer.points]
        pad = 0.004
        layer.facilities = list(
            Facility.objects.visible_to(actor)
            .filter(
                category=element.code,
                lon__gte=min(lons) - pad,
                lon__lte=max(lons) + pad,
                lat__gte=min(lats) - pad,
                lat__lte=max(lats) + pad,
            )
            .values_list("lon", "lat")
        )
    return layer


def kind_label(value: str) -> str:
    return str(ElementKind(value).label) if value in ElementKind.values else value
