"""Presenting a run: stage names, Excel export of the gap list, map labels.

The run's figures (four kinds of indicator, element rows) are in :mod:`shezhi.lifecircle.figures`.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook

from shezhi.common.sheets import safe_row
from shezhi.lifecircle.models import AnalysisRun, Gap

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
        "walk": _("平均步行 %(m)s 分钟"),
        "walk_one": _("步行 %(m)s 分钟"),
        "covered_share": _("覆盖"),
        "no_compounds": _("无小区数据"),
        "sample_name": _("名称为示意"),
        "community": _("社区边界"),
        "grid": _("网格边界"),
        "site": _("推荐选址"),
        "newly": _("新增覆盖的小区"),
    }
