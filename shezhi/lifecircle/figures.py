"""The figures of a finished evaluation over a scope — one computation for every surface.

The run page, the PDF report and the Excel report all show what :func:`scope_figures`
returns, so they cannot disagree. Its one source is what the run stored per community at
evaluation time (:class:`~shezhi.lifecircle.models.CommunityResult`, one row per community
of the run's area, those without compounds included); a scope (the run's area, or a
street or community inside it) aggregates the rows of its communities the reader may see.
A street's part of its district's run therefore shows the same figures as the street's
own run, except the 2SFCA supply ratio, which depends on everyone the run evaluated.

Definitions (GB 50180-2018, TD/T 1062-2021, 成都一刻钟社区生活圈实施方案):

* 社区数: communities of the scope; 有小区的社区: those with at least one compound, the
  only ones with households to evaluate.
* 范围内设施 and their floor area: facilities located in the scope's communities. Nearby
  facilities outside the scope also serve it (they count in coverage and walks), but
  their floor space belongs to their own community: counting it here would count it twice.
* 户数覆盖率: households within the element's radius (network walk) ÷ households.
* 平均步行距离: to the nearest facility, weighted by households, a walk beyond the search
  (twice the radius) counted as twice the radius.
* 规模: floor area of the element with a per-100-households rule (社区综合服务站, ≥30 m²
  per 100 households) in the scope ÷ households × 100.
* 覆盖: mean of the basic elements' household coverage.
* 效率: mean of the basic elements' average walk, in minutes at the run's walking speed.
* 品质: quality and guided elements at least one household can walk to.

Values are rounded once here (:attr:`ElementFigures.coverage` to 0.1 %, walks to the metre,
indicators to 0.1) so every surface prints the same digits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from shezhi.accounts.models import User
from shezhi.lifecircle import selectors
from shezhi.lifecircle.models import AnalysisRun, CommunityResult, ElementKind, ServiceElement
from shezhi.places.models import Division

#: The element whose floor space is the 规模 indicator, when the standard has it.
SCALE_ELEMENT = "service_station"


@dataclass(frozen=True)
class ElementFigures:
    """One service element over a scope."""

    code: str
    name: str
    circle: str
    kind: str
    kind_label: str
    level: str
    radius_m: int
    households: int
    covered: int
    facilities: int
    facilities_area_unknown: int
    floor_area_m2: float
    mean_walk_m: int | None
    space_per_100_households_m2: float | None

    @property
    def coverage(self) -> float:
        """Household coverage, rounded to 0.1 % (a share: 0.123)."""
        return round(self.covered / self.households, 3) if self.households else 0.0

    @property
    def uncovered(self) -> int:
        return self.households - self.covered

    @property
    def per_100_households_m2(self) -> float | None:
        return round(self.floor_area_m2 / self.households * 100, 1) if self.households else None

    @property
    def coverage_text(self) -> str:
        return f"{self.coverage * 100:.1f}%"

    @property
    def mean_walk_text(self) -> str:
        return "—" if self.mean_walk_m is None else _("%(m)d 米") % {"m": self.mean_walk_m}


@dataclass(frozen=True)
class Indicator:
    """One of the four kinds of indicator (规模·覆盖·效率·品质)."""

    key: str
    kind: str
    value: str
    unit: str
    formula: str
    #: 达标/未达标 where the standard sets a threshold, else "".
    verdict: str = ""


@dataclass(frozen=True)
class Figures:
    """Everything a surface shows as a number about a run over a scope."""

    communities: int
    communities_with_compounds: int
    compounds: int
    households: int
    residents: int
    gaps: int
    elements: list[ElementFigures]
    indicators: list[Indicator]

    @property
    def households_text(self) -> str:
        return f"{self.households:,}"


def scope_rows(*, actor: User, run: AnalysisRun, scope: Division | None = None) -> list[CommunityResult]:
    """The stored community results of ``scope`` (default: the run's area) ``actor`` may read."""
    scope = scope or run.area
    return list(
        selectors.community_results(actor=actor, run=run)
        .filter(community__code__startswith=scope.prefix)
        .order_by("community__code")
    )


def scope_figures(*, actor: User, run: AnalysisRun, scope: Division | None = None) -> Figures:
    """The figures of ``run`` over ``scope`` as ``actor`` may see them (page and reports)."""
    scope = scope or run.area
    gaps = selectors.gap_list(actor=actor, run=run).filter(community__code__startswith=scope.prefix).count()
    return aggregate(run, scope_rows(actor=actor, run=run, scope=scope), gaps)


def aggregate(run: AnalysisRun, communities: Sequence[CommunityResult], gaps: int) -> Figures:
    """Sum the community rows into a scope's figures (exact: every stored mean is by households)."""
    elements = [_element(run, e, communities) for e in run.standard.elements.all()]
    return Figures(
        communities=len(communities),
        communities_with_compounds=sum(1 for c in communities if c.compounds),
        compounds=sum(c.compounds for c in communities),
        households=sum(c.households for c in communities),
        residents=sum(c.residents for c in communities),
        gaps=gaps,
        elements=elements,
        indicators=_indicators(run, elements),
    )


def _element(run: AnalysisRun, e: ServiceElement, communities: Sequence[CommunityResult]) -> ElementFigures:
    values = [v for v in (c.values.get(e.code) for c in communities) if v]
    households = sum(v["households"] for v in values)
    walks = [(v["mean_walk_m"], v["households"]) for v in values if v.get("mean_walk_m") is not None]
    weight = sum(w for _m, w in walks)
    return ElementFigures(
        code=e.code,
        name=e.name,
        circle=e.get_circle_display(),
        kind=e.kind,
        kind_label=e.get_kind_display(),
        level=e.get_level_minutes_display(),
        radius_m=round(run.radius_m(e)),
        households=round(households),
        covered=round(sum(v["covered"] for v in values)),
        facilities=sum(v["facilities"] for v in values),
        facilities_area_unknown=sum(v.get("facilities_area_unknown", 0) for v in values),
        floor_area_m2=round(sum(v.get("floor_area_m2") or 0 for v in values), 1),
        mean_walk_m=round(sum(m * w for m, w in walks) / weight) if weight else None,
        space_per_100_households_m2=e.space_per_100_households_m2,
    )


def _scale_element(elements: list[ElementFigures]) -> ElementFigures | None:
    ruled = [e for e in elements if e.space_per_100_households_m2]
    return next((e for e in ruled if e.code == SCALE_ELEMENT), ruled[0] if ruled else None)


def _indicators(run: AnalysisRun, elements: list[ElementFigures]) -> list[Indicator]:
    basic = [e for e in elements if e.kind == ElementKind.BASIC]
    others = [e for e in elements if e.kind != ElementKind.BASIC]
    scale = _scale_element(elements)
    if scale is not None and scale.per_100_households_m2 is not None:
        per_100 = scale.per_100_households_m2
        need = scale.space_per_100_households_m2 or 0
        scale_value, verdict = f"{per_100:.1f}", _("达标") if per_100 >= need else _("未达标")
    else:
        scale_value, verdict = "—", ""
    scale_formula = (
        _("%(name)s建筑面积（位于本范围社区内的设施）之和 ÷ 户数 × 100（标准：≥%(need)g）")
        % {"name": scale.name, "need": scale.space_per_100_households_m2}
        if scale is not None
        else _("配置标准中没有每百户面积要求")
    )
    if scale is not None and scale.facilities_area_unknown:
        scale_formula += _("；面积未登记的 %(n)d 处未计入") % {"n": scale.facilities_area_unknown}
    shares = [e.covered / e.households if e.households else 0.0 for e in basic]
    coverage = sum(shares) / len(shares) if shares else 0.0
    walks = [e.mean_walk_m for e in basic if e.mean_walk_m is not None]
    minutes = sum(walks) / len(walks) / run.speed_mps / 60 if walks else None
    present = sum(1 for e in others if e.covered > 0)
    return [
        Indicator("scale", _("规模"), scale_value, _("平方米/百户"), scale_formula, verdict),
        Indicator(
            "coverage",
            _("覆盖"),
            f"{coverage * 100:.1f}",
            "%",
            _("基础保障型要素的户数覆盖率（步行半径内）之平均"),
        ),
        Indicator(
            "efficiency",
            _("效率"),
            f"{minutes:.1f}" if minutes is not None else "—",
            _("分钟"),
            _(
                "基础保障型要素平均步行距离（到最近设施，按户数加权，超出搜索范围按两倍半径计）"
                "之平均 ÷ 步行速度"
            ),
        ),
        Indicator(
            "quality",
            _("品质"),
            f"{present}/{len(others)}",
            _("项"),
            _("品质提升型与特色引导型要素中，至少有一户可步行到达的项数"),
        ),
    ]
