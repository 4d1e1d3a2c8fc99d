"""The measure registry: named quantities the platform computes from its source tables.

A measure is a count or a sum per **community** and **period**, with the ids of the rows it
was computed from (``Cell.rows``, ids in the measure's ``source`` table). Values of a street,
district or city are sums over its communities, so every measure is additive and every
ratio is formed by the formula (``cases.closed / cases.accepted``), never averaged.

Families take a parameter after the last dot (``people.facilities.kindergarten``,
``lifecircle.covered.canteen``, ``lifecircle.circle_covered.elderly``); the parameter must be
one of the family's codes.

Another part of the platform declares its measures here as **pending** (no provider): a
formula over them validates, and computing it gives "暂无数据来源 / no source yet" until
the part registers a provider with :func:`provide`. See docs/indicators.md for the list.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from shezhi.indicators import units
from shezhi.indicators.units import Dim, dim

TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Period:
    """A calendar year (the periodicity of the seed indicator set)."""

    year: int

    @property
    def code(self) -> str:
        return str(self.year)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime(self.year, 1, 1, tzinfo=TZ)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime(self.year + 1, 1, 1, tzinfo=TZ)

    @classmethod
    def parse(cls, code: str) -> Period:
        text = str(code).strip()
        if not (text.isdigit() and len(text) == 4 and 2000 <= int(text) <= 2100):
            raise ValueError(code)
        return cls(int(text))


@dataclass
class Cell:
    """One measure's value in one community, and the source rows it counts."""

    value: float = 0.0
    rows: list[int] = field(default_factory=list)


#: code → Cell, for the communities under the requested prefix.
Cells = dict[str, Cell]
Provider = Callable[[Period, str], Cells]


@dataclass(frozen=True)
class Measure:
    name: str
    zh: str
    en: str
    unit: Dim
    source: str  # "app_label.Model" of the rows, "" while pending
    provider: Provider | None = None
    #: A community without source rows has the value 0 (counts); else no value.
    zero_when_absent: bool = True
    snapshot: bool = False  # the current state of the table, not the period's events

    @property
    def pending(self) -> bool:
        return self.provider is None


@dataclass(frozen=True)
class Family:
    prefix: str
    zh: str
    en: str
    unit: Dim
    source: str
    params: Callable[[], dict[str, str]]  # code → label
    factory: Callable[[str], Provider]
    zero_when_absent: bool = True
    snapshot: bool = False

    def make(self, param: str) -> Measure:
        label = self.params()[param]
        return Measure(
            name=f"{self.prefix}.{param}",
            zh=f"{self.zh}：{label}",
            en=f"{self.en}: {param}",
            unit=self.unit,
            source=self.source,
            provider=self.factory(param),
            zero_when_absent=self.zero_when_absent,
            snapshot=self.snapshot,
        )


class Registry:
    def __init__(self) -> None:
        self.measures: dict[str, Measure] = {}
        self.families: dict[str, Family] = {}

    def add(self, measure: Measure) -> None:
        self.measures[measure.name] = measure

    def add_family(self, family: Family) -> None:
        self.families[family.prefix] = family

    def get(self, name: str) -> Measure | None:
        if name in self.measures:
            return self.measures[name]
        prefix, _, param = name.rpartition(".")
        family = self.families.get(prefix)
        if family is not None and param in family.params():
            return family.make(param)
        return None

    def provide(self, name: str, provider: Provider, source: str) -> None:
        """Give a pending measure its provider (called by the part that owns the data)."""
        old = self.measures[name]
        self.measures[name] = Measure(
            old.name, old.zh, old.en, old.unit, source, provider, old.zero_when_absent, old.snapshot
        )

    def catalogue(self) -> list[tuple[str, str, str, str, bool]]:
        """(name, label, unit, source, pending) for the documentation page; the unit in the
        reader's language."""
        rows = [
            (m.name, m.zh, units.describe_label(m.unit), m.source, m.pending) for m in self.measures.values()
        ]
        for f in self.families.values():
            rows.append(
                (
                    f"{f.prefix}.<{'|'.join(list(f.params())[:4])}…>",
                    f.zh,
                    units.describe_label(f.unit),
                    f.source,
                    False,
                )
            )
        return sorted(rows)


REGISTRY = Registry()
provide = REGISTRY.provide

#: Rows shared by the measures of one computation (several measures read the same cases and
#: life-circle results); set by :func:`batch`, empty outside it.
_SHARED: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "indicator_rows", default=None
)


@contextlib.contextmanager
def batch():
    """Within this block, measures over the same table, period and area read it once."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def _shared(key: Any, load: Callable[[], Any]) -> Any:
    cache = _SHARED.get()
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    return cache[key]


def _cells(pairs: Iterable[tuple[str, int, float]]) -> Cells:
    out: Cells = defaultdict(Cell)
    for code, pk, value in pairs:
        cell = out[code]
        cell.value += value
        cell.rows.append(pk)
    return dict(out)


# ----------------------------------------------------------------------------- people


def _households(period: Period, prefix: str) -> Cells:
    from shezhi.people.models import Household

    rows = Household.objects.filter(community__code__startswith=prefix).values_list("community__code", "pk")
    return _cells((c, pk, 1.0) for c, pk in rows.iterator(chunk_size=5000))


def _residents(period: Period, prefix: str) -> Cells:
    from shezhi.people.models import Resident

    rows = Resident.objects.filter(household__community__code__startswith=prefix).values_list(
        "household__community__code", "pk"
    )
    return _cells((c, pk, 1.0) for c, pk in rows.iterator(chunk_size=5000))


def _facility_params() -> dict[str, str]:
    from shezhi.people.models import FacilityCategory

    return {c.value: str(c.label) for c in FacilityCategory}


def _facilities(category: str, area: bool) -> Provider:
    def provider(period: Period, prefix: str) -> Cells:
        from shezhi.people.models import Facility

        rows = Facility.objects.filter(community__code__startswith=prefix, category=category).values_list(
            "community__code", "pk", "floor_area_m2"
        )
        return _cells((c, pk, (a or 0.0) if area else 1.0) for c, pk, a in rows)

    return provider


def _org_params() -> dict[str, str]:
    from shezhi.people.models import OrganisationKind

    return {c.value: str(c.label) for c in OrganisationKind}


def _organisations(kind: str) -> Provider:
    def provider(period: Period, prefix: str) -> Cells:
        from shezhi.people.models import Organisation

        rows = Organisation.objects.filter(community__code__startswith=prefix, kind=kind).values_list(
            "community__code", "pk"
        )
        return _cells((c, pk, 1.0) for c, pk in rows)

    return provider


# ----------------------------------------------------------------------------- cases


def _case_rows(period: Period, prefix: str) -> list[tuple]:
    return _shared(
        ("cases", period, prefix), lambda: list(_case_query(period, prefix).iterator(chunk_size=2000))
    )


def _case_query(period: Period, prefix: str):
    from shezhi.cases.models import Case
    from shezhi.cases.workflow import State

    return (
        Case.objects.filter(
            division__code__startswith=prefix, opened_at__gte=period.start, opened_at__lt=period.end
        )
        .exclude(state__in=[State.WITHDRAWN, State.MERGED])
        .values_list(
            "division__code",
            "pk",
            "state",
            "opened_at",
            "dispatched_at",
            "signed_at",
            "closed_at",
            "response_due",
            "handling_due",
            "satisfaction",
            "channel",
        )
        .order_by("pk")
    )


def _case_measure(test: Callable[..., float | None], calendar: bool = False) -> Provider:
    def provider(period: Period, prefix: str) -> Cells:
        from shezhi.cases import sla

        # One working calendar for the period (its overrides are read once, not per case).
        cal = sla.WorkCalendar.around(period.start.date(), period.end.date()) if calendar else None
        if cal is not None:  # a day's answer once per run (chinesecalendar validates every call)
            cal.is_workday = functools.lru_cache(maxsize=None)(cal.is_workday)  # type: ignore[method-assign]
        out = []
        for row in _case_rows(period, prefix):
            value = test(row, cal) if calendar else test(row)
            if value is not None:
                out.append((row[0], row[1], value))
        return _cells(out)

    return provider


def _closed(row: tuple) -> bool:
    return row[2] in ("closed", "visited") and row[6] is not None


def _hours(row: tuple, cal: Any) -> float | None:
    from shezhi.cases import sla

    return sla.working_hours_between(row[3], row[6], cal) if _closed(row) else None


def _channel_params() -> dict[str, str]:
    from shezhi.cases.models import Channel

    return {c.value: str(c.label) for c in Channel}


def _via(channel: str) -> Provider:
    return _case_measure(lambda r: 1.0 if r[10] == channel else None)


# ----------------------------------------------------------------------------- lifecircle


def _element_params() -> dict[str, str]:
    from shezhi.lifecircle.models import StandardVersion

    version = StandardVersion.objects.order_by("-number").first()
    if version is None:
        return {}
    return dict(version.elements.values_list("code", "name"))


def _circle_params() -> dict[str, str]:
    from shezhi.lifecircle.models import Circle

    return {c.value: str(c.label) for c in Circle}


def _latest_results(period: Period, prefix: str) -> list[tuple]:
    return _shared(("lifecircle", period, prefix), lambda: list(_latest_query(period, prefix)))


def _latest_query(period: Period, prefix: str):
    """Community results of the latest finished adult evaluation of each community, up to
    the end of the period (an evaluation is a snapshot: the latest one before the period
    closes stands for the period)."""
    from shezhi.lifecircle.models import CommunityResult, RunStatus, Walker

    rows = (
        CommunityResult.objects.filter(
            community__code__startswith=prefix,
            run__status=RunStatus.DONE,
            run__walker=Walker.ADULT,
            run__finished_at__lt=period.end,
        )
        .order_by("community__code", "-run__finished_at", "-run_id")
        .values_list("community__code", "pk", "households", "values", "run__standard_id")
    )
    seen: set[str] = set()
    for row in rows.iterator(chunk_size=2000):
        if row[0] not in seen:
            seen.add(row[0])
            yield row


def _lc_households(period: Period, prefix: str) -> Cells:
    return _cells((c, pk, float(h)) for c, pk, h, _v, _s in _latest_results(period, prefix))


def _lc_element(element: str, key: str) -> Provider:
    def provider(period: Period, prefix: str) -> Cells:
        out = []
        for c, pk, _h, values, _s in _latest_results(period, prefix):
            v = (values or {}).get(element)
            if v is not None:
                out.append((c, pk, float(v.get(key) or 0.0)))
        return _cells(out)

    return provider


def _circle_elements() -> dict[str, list[str]]:
    from shezhi.lifecircle.models import ServiceElement, StandardVersion

    version = StandardVersion.objects.order_by("-number").first()
    out: dict[str, list[str]] = defaultdict(list)
    if version is not None:
        for code, circle in ServiceElement.objects.filter(version=version).values_list("code", "circle"):
            out[circle].append(code)
    return out


def _lc_circle(circle: str, demand: bool) -> Provider:
    def provider(period: Period, prefix: str) -> Cells:
        elements = _circle_elements().get(circle, [])
        out = []
        for c, pk, households, values, _s in _latest_results(period, prefix):
            values = values or {}
            if demand:
                total = households * sum(1 for e in elements if e in values)
            else:
                total = sum(float(values[e].get("covered") or 0) for e in elements if e in values)
            out.append((c, pk, float(total)))
        return _cells(out)

    return provider


# ----------------------------------------------------------------------------- the registry

ITEM, H, P = dim(item=1), dim(household=1), dim(person=1)

REGISTRY.add(
    Measure("people.households", "户数", "households", H, "people.Household", _households, snapshot=True)
)
REGISTRY.add(
    Measure("people.residents", "居民人数", "residents", P, "people.Resident", _residents, snapshot=True)
)
REGISTRY.add_family(
    Family(
        "people.facilities",
        "设施数",
        "facilities",
        ITEM,
        "people.Facility",
        _facility_params,
        lambda p: _facilities(p, area=False),
        snapshot=True,
    )
)
REGISTRY.add_family(
    Family(
        "people.facility_area_m2",
        "设施建筑面积",
        "facility floor area",
        dim(m2=1),
        "people.Facility",
        _facility_params,
        lambda p: _facilities(p, area=True),
        snapshot=True,
    )
)
REGISTRY.add_family(
    Family(
        "people.organisations",
        "组织数",
        "organisations",
        ITEM,
        "people.Organisation",
        _org_params,
        _organisations,
        snapshot=True,
    )
)

_CASES = [
    ("cases.accepted", "受理工单数", "cases accepted", lambda r: 1.0),
    ("cases.dispatched", "已派单工单数", "cases dispatched", lambda r: 1.0 if r[4] and r[7] else None),
    (
        "cases.responded",
        "按时签收工单数",
        "cases signed within the response limit",
        lambda r: 1.0 if r[4] and r[7] and r[5] and r[5] <= r[7] else None,
    ),
    ("cases.closed", "已办结工单数", "cases closed", lambda r: 1.0 if _closed(r) else None),
    (
        "cases.closed_on_time",
        "按时办结工单数",
        "cases closed within the handling limit",
        lambda r: 1.0 if _closed(r) and (r[8] is None or r[6] <= r[8]) else None,
    ),
    ("cases.rated", "参评工单数", "cases rated", lambda r: 1.0 if r[9] else None),
    (
        "cases.satisfied",
        "满意与基本满意工单数",
        "cases rated satisfied or basically satisfied",
        lambda r: 1.0 if r[9] in ("satisfied", "basic") else None,
    ),
]
for _name, _zh, _en, _test in _CASES:
    REGISTRY.add(Measure(_name, _zh, _en, ITEM, "cases.Case", _case_measure(_test)))
REGISTRY.add(
    Measure(
        "cases.handling_hours",
        "办结工单办理时长合计（工作小时）",
        "working hours accepted → closed, summed",
        dim(hour=1),
        "cases.Case",
        _case_measure(_hours, calendar=True),
    )
)

REGISTRY.add_family(
    Family(
        "cases.via",
        "按渠道受理工单数",
        "cases accepted through a channel",
        ITEM,
        "cases.Case",
        _channel_params,
        _via,
    )
)

REGISTRY.add(
    Measure(
        "lifecircle.households",
        "参评户数",
        "households evaluated",
        H,
        "lifecircle.CommunityResult",
        _lc_households,
        zero_when_absent=False,
        snapshot=True,
    )
)
REGISTRY.add_family(
    Family(
        "lifecircle.covered",
        "步行范围内覆盖户数",
        "households covered",
        H,
        "lifecircle.CommunityResult",
        _element_params,
        lambda p: _lc_element(p, "covered"),
        zero_when_absent=False,
        snapshot=True,
    )
)
REGISTRY.add_family(
    Family(
        "lifecircle.space_m2",
        "服务设施面积",
        "service floor area",
        dim(m2=1),
        "lifecircle.CommunityResult",
        _element_params,
        lambda p: _lc_element(p, "floor_area_m2"),
        zero_when_absent=False,
        snapshot=True,
    )
)
REGISTRY.add_family(
    Family(
        "lifecircle.circle_covered",
        "圈内各要素覆盖户数之和",
        "households covered, summed over the circle's elements",
        H,
        "lifecircle.CommunityResult",
        _circle_params,
        lambda p: _lc_circle(p, demand=False),
        zero_when_absent=False,
        snapshot=True,
    )
)
REGISTRY.add_family(
    Family(
        "lifecircle.circle_demand",
        "圈内要素数×户数",
        "households × the circle's elements",
        H,
        "lifecircle.CommunityResult",
        _circle_params,
        lambda p: _lc_circle(p, demand=True),
        zero_when_absent=False,
        snapshot=True,
    )
)

#: Measures of parts still being built: formulas over them validate, values say "no source yet".
PENDING = [
    ("participation.deliberations", "议事会议召开次数", "deliberation meetings held", ITEM),
    ("participation.decisions", "议定事项数", "decisions taken", ITEM),
    ("participation.decisions_done", "议定事项落实数", "decisions carried out", ITEM),
    ("participation.votes", "表决次数", "votes held", ITEM),
    ("participation.votes_quorate", "达到法定人数的表决次数", "votes that reached quorum", ITEM),
    ("participation.volunteer_hours", "志愿服务时长", "volunteer hours", dim(hour=1)),
    ("participation.compliance_1116", "1116 达标次数", "1116 compliance (months met)", ITEM),
    ("participation.compliance_1116_due", "1116 应达标次数", "1116 compliance (months due)", ITEM),
    ("participation.opportunity_awards", "机会清单成交数", "opportunity-list awards", ITEM),
    ("eldercare.elderly", "60 岁以上老年人数", "residents aged 60 and over", P),
    ("eldercare.certified", "完成能力评估认证的老年人数", "elderly residents with a certified assessment", P),
]
for _name, _zh, _en, _unit in PENDING:
    REGISTRY.add(Measure(_name, _zh, _en, _unit, ""))


def compute(measure: Measure, period: Period, prefix: str) -> Cells:
    """A measure's cells for the communities under ``prefix`` (``{}`` while pending)."""
    if measure.provider is None:
        return {}
    return measure.provider(period, prefix)
