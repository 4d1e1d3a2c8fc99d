"""The content of the life-circle evaluation report (评估报告), shared by the PDF and Excel versions.

:func:`evaluation_report` reads what the acting user may see of a finished run, optionally
narrowed to one street or community, and aggregates it: the four kinds of indicator
(规模·覆盖·效率·品质), a row per service element, the community results, the ranked gap list
and recommendations derived from it, and the compounds for the map figure. The figures
are :func:`shezhi.lifecircle.figures.aggregate` of the community results the user may
read — the same computation as the run page's — so a community worker's report of a
district run shows their community and nothing else, and a street's report of its
district's run shows what the street's own run page shows.
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
from shezhi.lifecircle import figures, selectors
from shezhi.lifecircle.figures import ElementFigures, Figures, Indicator
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
    figures: Figures
    communities: list[CommunityResult]
    gaps: list[Gap]
    recommendations: list[str]
    notes: list[str]
    map: MapLayer

    @property
    def indicators(self) -> list[Indicator]:
        return self.figures.indicators

    @property
    def elements(self) -> list[ElementFigures]:
        return self.figures.elements

    @property
    def households(self) -> int:
        return self.figures.households

    @property
    def residents(self) -> int:
        return self.figures.residents

    @property
    def title(self) -> str:
        return _("%(area)s 一刻钟社区生活圈评估报告") % {"area": self.scope.name}

    @property
    def gap_total(self) -> int:
        return len(self.gaps)


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
    communities = figures.scope_rows(actor=actor, run=run, scope=scope)
    gaps = list(selectors.gap_list(actor=actor, run=run).filter(community__code__startswith=scope.prefix))
    figs = figures.aggregate(run, communities, len(gaps))
    standard = list(run.standard.elements.all())
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
        facts=_facts(run, scope, figs),
        sources=_sources(),
        figures=figs,
        communities=communities,
        gaps=gaps,
        recommendations=recommendations(gaps, figs.elements),
        notes=closing_notes(gaps, figs.elements),
        map=_map_layer(actor=actor, run=run, scope=scope, element=by_code[chosen]),
    )


def _facts(run: AnalysisRun, scope: Division, figs: Figures) -> list[tuple[str, str]]:
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
        (_("社区数"), str(figs.communities)),
        (_("有小区的社区数"), str(figs.communities_with_compounds)),
        (_("小区数"), str(figs.compounds)),
        (_("户数（估算）"), figs.households_text),
        (_("短板条数"), str(figs.gaps)),
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


def recommendations(gaps: list[Gap], rows: list[ElementFigures]) -> list[str]:
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


def closing_notes(gaps: list[Gap], rows: list[ElementFigures]) -> list[str]:
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
