"""The evaluation report as an Excel workbook: the same content as the PDF, every row of it.

Sheets 概况 (facts, sources, the four kinds of indicator), 服务要素, 社区 (one row per
community and element) and 短板清单 (the whole ranked gap list) and 建议. The results hold
no personal data: households are counts per compound and community.
"""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from shezhi.common.sheets import inert, safe_cell
from shezhi.lifecircle.report import gap_cells, gap_header
from shezhi.lifecircle.report_content import EvaluationReport

_HEAD = PatternFill("solid", fgColor="E8F0E9")
_BOLD = Font(bold=True)


def _header(ws, row: list[str], widths: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Column widths, a frozen, filled heading row (write-only sheets: before any row)."""
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append([_styled(ws, text, font=_BOLD, fill=_HEAD) for text in row])


def _styled(ws, value: object, **style: object) -> WriteOnlyCell:  # type: ignore[no-untyped-def]
    cell = WriteOnlyCell(ws, value=safe_cell(value))
    for name, v in style.items():
        setattr(cell, name, v)
    return cell


def _pct(ws, value: float) -> WriteOnlyCell:  # type: ignore[no-untyped-def]
    return _styled(ws, round(value, 4), number_format="0.0%")


def report_xlsx(rep: EvaluationReport) -> bytes:
    wb = Workbook(write_only=True)  # streamed: the gap list of a city has tens of thousands of rows
    overview = inert(wb.create_sheet(_("概况")))
    for col, width in zip("ABCD", (16, 40, 14, 70), strict=True):
        overview.column_dimensions[col].width = width
    overview.append([_styled(overview, rep.title, font=Font(bold=True, size=14))])
    for k, v in rep.facts:
        overview.append([k, v])
    overview.append([])
    overview.append(
        [
            _styled(overview, t, font=_BOLD, fill=_HEAD)
            for t in (_("四类指标"), _("指标值"), _("单位"), _("计算方法"), _("是否达标"))
        ]
    )
    for i in rep.indicators:
        overview.append([i.kind, i.value, i.unit, i.formula, i.verdict or None])
    overview.append([])
    overview.append([_styled(overview, _("数据来源与许可"), font=_BOLD)])
    for line in rep.sources:
        overview.append([line])

    elements = inert(wb.create_sheet(_("服务要素")))
    _header(
        elements,
        [
            _("要素编码"),
            _("服务要素"),
            _("所属圈"),
            _("类型"),
            _("圈层"),
            _("服务半径（米）"),
            _("范围内设施"),
            _("户数"),
            _("覆盖户数"),
            _("户数覆盖率"),
            _("平均步行距离（米）"),
            _("范围内设施面积（平方米）"),
        ],
        [18, 30, 14, 12, 18, 14, 12, 12, 12, 12, 18, 20],
    )
    for e in rep.elements:
        elements.append(
            [
                e.code,
                e.name,
                e.circle,
                e.kind_label,
                e.level,
                e.radius_m,
                e.facilities,
                e.households,
                e.covered,
                _pct(elements, e.coverage),
                e.mean_walk_m,
                e.floor_area_m2,
            ]
        )

    communities = inert(wb.create_sheet(_("社区")))
    _header(
        communities,
        [
            _("社区"),
            _("社区代码"),
            _("服务要素"),
            _("户数"),
            _("覆盖户数"),
            _("户数覆盖率"),
            _("范围内设施"),
            _("范围内设施面积（平方米）"),
            _("每百户面积（平方米）"),
            _("每处服务人口"),
            _("2SFCA 供需比（随评估范围而变）"),
            _("平均步行距离（米）"),
        ],
        [26, 14, 28, 10, 10, 12, 12, 16, 18, 14, 14, 18],
    )
    names = {e.code: e.name for e in rep.elements}
    for c in rep.communities:
        if not c.compounds:
            communities.append([c.community.name, c.community.code, _("（本社区没有小区，无户数可评估）")])
        for code, name in names.items():
            v = c.values.get(code)
            if not v or not (c.compounds or v["facilities"]):
                continue
            communities.append(
                [
                    c.community.name,
                    c.community.code,
                    name,
                    round(v["households"]),
                    round(v["covered"]),
                    _pct(communities, v["coverage"]),
                    v["facilities"],
                    round(v.get("floor_area_m2") or 0, 1),
                    round(v["per_100_households_m2"], 1)
                    if v.get("per_100_households_m2") is not None
                    else None,
                    round(v["residents_per_facility"])
                    if v.get("residents_per_facility") is not None
                    else None,
                    round(v.get("access_2sfca") or 0, 6),
                    round(v["mean_walk_m"]) if v.get("mean_walk_m") is not None else None,
                ]
            )

    gaps = inert(wb.create_sheet(_("短板清单")))
    _header(gaps, gap_header(), [8, 26, 14, 14, 28, 22, 12, 10, 60])
    for g in rep.gaps:
        gaps.append(gap_cells(g, coverage=_pct(gaps, g.coverage)))

    advice = inert(wb.create_sheet(_("建议")))
    _header(advice, ["#", _("建议")], [6, 120])
    for i, line in enumerate(rep.recommendations + rep.notes, start=1):
        advice.append([i, _styled(advice, line, alignment=Alignment(wrap_text=True))])

    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
