"""KPIs of case handling per unit and period (响应率、解决率、满意率、按时办结率、平均办理时长).

The formulas (shown on the KPI page and in the Excel export as written here):

* 响应率 = 在签收时限内签收的工单数 ÷ 已派单的工单数
  (response rate: signed by ``response_due`` / dispatched);
* 解决率 = 已办结的工单数 ÷ 受理的工单数（不含撤回、合并）
  (resolution rate: closed or visited / accepted, withdrawn and merged excluded);
* 满意率 = （满意 + 基本满意）÷ 参评工单数
  (satisfaction rate: satisfied + basically satisfied / rated);
* 按时办结率 = 在办结时限内办结的工单数 ÷ 已办结的工单数
  (on-time rate: closed by ``handling_due`` / closed);
* 平均办理时长 = Σ(办结时间 − 受理时间，按工作小时计) ÷ 已办结的工单数
  (average handling time in working hours from acceptance to closure).

A case counts in the period in which it was accepted (``opened_at``), for its lead unit.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field

from shezhi.accounts.models import User
from shezhi.cases import sla
from shezhi.cases.models import Case, Satisfaction
from shezhi.cases.workflow import State
from shezhi.common.sheets import safe_row

FORMULAS: list[tuple[str, str, str]] = [
    ("响应率", "在签收时限内签收的工单数 ÷ 已派单的工单数", "signed within the response limit / dispatched"),
    (
        "解决率",
        "已办结的工单数 ÷ 受理的工单数（不含撤回、合并）",
        "closed / accepted (withdrawn and merged excluded)",
    ),
    ("满意率", "（满意 + 基本满意）÷ 参评工单数", "(satisfied + basically satisfied) / rated"),
    ("按时办结率", "在办结时限内办结的工单数 ÷ 已办结的工单数", "closed within the handling limit / closed"),
    (
        "平均办理时长",
        "Σ（办结时间 − 受理时间，工作小时）÷ 已办结的工单数",
        "mean working hours accepted → closed",
    ),
    (
        "自行处置数",
        "网格员巡查发现并当场办结的工单数",
        "cases a grid worker found on patrol and closed on the spot",
    ),
]
_CLOSED = {State.CLOSED, State.VISITED}
_EXCLUDED = {State.WITHDRAWN, State.MERGED}


@dataclass
class UnitKpi:
    unit: str
    accepted: int = 0
    dispatched: int = 0
    responded: int = 0
    closed: int = 0
    on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    self_handled: int = 0
    hours: list[float] = field(default_factory=list)

    @staticmethod
    def _ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    @property
    def response_rate(self) -> float | None:
        return self._ratio(self.responded, self.dispatched)

    @property
    def resolution_rate(self) -> float | None:
        return self._ratio(self.closed, self.accepted)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._ratio(self.satisfied, self.rated)

    @property
    def on_time_rate(self) -> float | None:
        return self._ratio(self.on_time, self.closed)

    @property
    def avg_hours(self) -> float | None:
        return round(sum(self.hours) / len(self.hours), 1) if self.hours else None


def unit_kpis(*, actor: User, start: dt.datetime, end: dt.datetime) -> list[UnitKpi]:
    """One row per lead unit (and one for cases without a unit) plus a total row, last."""
    rows: dict[str, UnitKpi] = {}
    total = UnitKpi("合计 / total")
    cases = (
        Case.objects.visible_to(actor)
        .filter(opened_at__gte=start, opened_at__lt=end)
        .exclude(state__in=list(_EXCLUDED))
        .select_related("lead_unit")
        .only(
            "state", "opened_at", "dispatched_at", "signed_at", "closed_at", "response_due",
            "handling_due", "satisfaction", "self_handled", "lead_unit__name",
        )
    )  # fmt: skip
    for case in cases.iterator(chunk_size=500):
        name = case.lead_unit.name if case.lead_unit else "（未派单 / not dispatched）"
        row = rows.setdefault(name, UnitKpi(name))
        for r in (row, total):
            r.accepted += 1
            if case.dispatched_at is not None and case.response_due is not None:
                r.dispatched += 1
                if case.signed_at is not None and case.signed_at <= case.response_due:
                    r.responded += 1
            if case.state in _CLOSED and case.closed_at is not None:
                r.closed += 1
                if case.handling_due is None or case.closed_at <= case.handling_due:
                    r.on_time += 1
            r.self_handled += case.self_handled
            if case.satisfaction:
                r.rated += 1
                if case.satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASIC):
                    r.satisfied += 1
        if case.state in _CLOSED and case.closed_at is not None:
            hours = sla.working_hours_between(case.opened_at, case.closed_at)
            row.hours.append(hours)
            total.hours.append(hours)
    return [*sorted(rows.values(), key=lambda r: (-r.accepted, r.unit)), total]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def kpi_workbook(rows: list[UnitKpi], *, start: dt.datetime, end: dt.datetime) -> bytes:
    """The KPI table and its formulas as an .xlsx file."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "考核指标"
    sheet.append([f"统计期间 / period: {start:%Y-%m-%d} — {end:%Y-%m-%d}"])
    header = ["单位", "受理", "派单", "按时签收", "办结", "按时办结", "参评", "满意+基本满意",
              "响应率", "解决率", "满意率", "按时办结率", "平均办理时长（工作小时）", "自行处置"]  # fmt: skip
    sheet.append(safe_row(header))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append(safe_row(
            [r.unit, r.accepted, r.dispatched, r.responded, r.closed, r.on_time, r.rated, r.satisfied,
             r.response_rate, r.resolution_rate, r.satisfaction_rate, r.on_time_rate, r.avg_hours,
             r.self_handled]
        ))  # fmt: skip
    for row in sheet.iter_rows(min_row=3, min_col=9, max_col=12):
        for cell in row:
            cell.number_format = "0.0%"
    sheet.column_dimensions["A"].width = 30
    formulas = book.create_sheet("计算公式")
    formulas.append(["指标", "公式", "formula"])
    for item in FORMULAS:
        formulas.append(safe_row(item))
    formulas.column_dimensions["B"].width = 50
    formulas.column_dimensions["C"].width = 50
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def monthly_counts(*, actor: User, months: int = 6) -> list[tuple[str, int, int]]:
    """(month, accepted, closed) for the last ``months`` months, for the chart."""
    from django.db.models.functions import TruncMonth

    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    qs = Case.objects.visible_to(actor).exclude(state__in=list(_EXCLUDED))
    for month, state in qs.annotate(m=TruncMonth("opened_at")).values_list("m", "state"):
        key = f"{month:%Y-%m}"
        counts[key][0] += 1
        counts[key][1] += state in _CLOSED
    return [(k, v[0], v[1]) for k, v in sorted(counts.items())[-months:]]


pct = _pct
