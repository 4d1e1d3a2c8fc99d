"""Presenting a run: the four kinds of indicator, stage names, Excel export of the gap list."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook

from shezhi.common.sheets import safe_row
from shezhi.lifecircle.models import REFERENCE_SPEED_MPS, AnalysisRun, ElementKind, Gap

_STAGES = {
    "start": gettext_noop("准备"),
    "network": gettext_noop("载入步行路网"),
    "inputs": gettext_noop("读取小区与设施"),
    "snap": gettext_noop("小区接入路网"),
    "summary": gettext_noop("汇总指标"),
    "store": gettext_noop("保存结果"),
    "done": gettext_noop("完成"),
    "failed": gettext_noop("失败"),
    "cancelled": gettext_noop("已取消"),
}


def stage_label(stage: str) -> str:
    if stage.startswith("element:"):
        return _("计算服务要素 %(code)s") % {"code": stage.split(":", 1)[1]}
    return _(_STAGES.get(stage, stage)) if stage else ""


def four_kinds(run: AnalysisRun) -> list[dict[str, Any]]:
    """规模·覆盖·效率·品质 (seed 001): one headline figure each, with how it is computed."""
    s = run.summary
    elements = s.get("elements", {})
    basic = {c: e for c, e in elements.items() if e["kind"] == ElementKind.BASIC}
    others = {c: e for c, e in elements.items() if e["kind"] != ElementKind.BASIC}
    households = s.get("households", 0) or 0
    station = elements.get("service_station", {})
    per_100 = station.get("floor_area_m2", 0) / households * 100 if households else 0
    coverage = sum(e["coverage"] for e in basic.values()) / len(basic) if basic else 0
    walks = [e["mean_walk_m"] for e in basic.values() if e.get("mean_walk_m") is not None]
    minutes = sum(walks) / len(walks) / s.get("speed_mps", REFERENCE_SPEED_MPS) / 60 if walks else None
    present = sum(1 for e in others.values() if e["coverage"] > 0)
    return [
        {
            "kind": _("规模"),
            "value": f"{per_100:.1f}",
            "unit": _("平方米/百户"),
            "formula": _("社区综合服务站建筑面积之和 ÷ 户数 × 100（标准：≥30）"),
        },
        {
            "kind": _("覆盖"),
            "value": f"{coverage * 100:.1f}",
            "unit": "%",
            "formula": _("基础保障型要素的户数覆盖率（步行半径内）之平均"),
        },
        {
            "kind": _("效率"),
            "value": f"{minutes:.1f}" if minutes is not None else "—",
            "unit": _("分钟"),
            "formula": _("到最近基础保障型设施的平均步行时间（超出搜索范围按两倍半径计）"),
        },
        {
            "kind": _("品质"),
            "value": f"{present}/{len(others)}",
            "unit": _("项"),
            "formula": _("品质提升型与特色引导型要素中，至少有一户可步行到达的项数"),
        },
    ]


def gap_header() -> list[str]:
    """Column titles of a gap list in Excel (the gap export and the report's gap sheet)."""
    return [
        _("排序"),
        _("社区"),
        _("社区代码"),
        _("所属圈"),
        _("服务要素"),
        _("短板类型"),
        _("未覆盖户数"),
        _("覆盖率"),
        _("说明"),
    ]


def gap_cells(g: Gap, coverage: Any = None) -> list[Any]:
    """One gap as a row under :func:`gap_header`; ``coverage`` formats the share (rounded by default)."""
    return [
        g.rank,
        g.community.name,
        g.community.code,
        g.get_circle_display(),
        g.element_name,
        g.get_kind_display(),
        g.uncovered_households,
        round(g.coverage, 4) if coverage is None else coverage,
        g.detail,
    ]


def gaps_xlsx_response(run: AnalysisRun, gaps: QuerySet[Gap]) -> HttpResponse:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("短板清单"))
    ws.append(safe_row(gap_header()))
    for g in gaps.iterator(chunk_size=2000):
        ws.append(safe_row(gap_cells(g)))
    meta = wb.create_sheet(_("说明"))
    meta.append(safe_row([_("评估范围"), f"{run.area.name}（{run.area.code}）"]))
    meta.append(safe_row([_("配置标准"), f"v{run.standard.number}"]))
    meta.append(safe_row([_("步行人群"), run.get_walker_display()]))
    meta.append(safe_row([_("完成时间"), run.finished_at.isoformat() if run.finished_at else ""]))
    meta.append(safe_row([_("数据来源"), "© OpenStreetMap contributors; " + _("户数为估算")]))
    buffer = BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="gaps-run-{run.pk}.xlsx"'
    return response


def map_labels() -> dict[str, str]:
    return {
        "covered": _("步行可达"),
        "uncovered": _("超出服务半径"),
        "none": _("搜索范围内没有"),
        "facility": _("现有设施"),
        "whatif": _("假设新增设施"),
        "households": _("户"),
        "minutes": _("分钟"),
    }
