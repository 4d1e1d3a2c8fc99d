"""报表通: report templates defined once, generated for any area and period as Excel and PDF
from the computed values (nothing is entered again).

A template names its sections (the scenarios whose indicators it tabulates, the ranking, the
status chart). The PDF is laid out by the life-circle report's writer (fpdf2, Noto Sans SC
subset and embedded); the Excel workbook writes every cell through ``common/sheets.py``.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from shezhi.common.sheets import safe_row
from shezhi.indicators import progress, selectors
from shezhi.indicators.models import Scenario
from shezhi.lifecircle.pdf import _Collector, _Writer, font_subset
from shezhi.places.models import Division


@dataclass(frozen=True)
class ReportTemplate:
    code: str
    title: str
    scenarios: tuple[str, ...]
    ranking: bool = True
    status_chart: bool = True


TEMPLATES = {
    "annual": ReportTemplate("annual", "幸福美好公园社区年度评价报表", tuple(s.value for s in Scenario)),
    "governance": ReportTemplate(
        "governance", "共治与接诉即办评价报表", ("governance", "smart"), ranking=False
    ),
}

STATUS_COLOURS = {
    progress.ACHIEVED: "#10b981",
    progress.ON_TRACK: "#3b82f6",
    progress.ACCELERATE: "#f59e0b",
    progress.LIMITED: "#f97316",
    progress.DETERIORATION: "#ef4444",
}


@dataclass
class Report:
    template: ReportTemplate
    area: Division
    period: str
    sections: list[tuple[str, list[list[str]]]] = field(default_factory=list)
    ranking: list[list[str]] = field(default_factory=list)
    ranking_title: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    filled: int = 0
    missing: int = 0

    HEADER = ("编码", "指标", "值", "单位", "2025 目标", "2035 目标", "进展")


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}"


def build(user: Any, template: ReportTemplate, area: Division, period: str) -> Report:
    rep = Report(template, area, period, counts=dict.fromkeys(progress.LABELS, 0))
    rows = selectors.dashboard_rows(user, area, period)
    for scenario in template.scenarios:
        table = []
        for r in rows.get(scenario, []):
            value = r.value.value if r.value else None
            if value is None:
                rep.missing += 1
            else:
                rep.filled += 1
            if r.status:
                rep.counts[r.status.code] += 1
            table.append(
                [
                    r.indicator.code, r.indicator.name,
                    _num(value) if r.value is None or value is not None else f"— {r.value.missing_zh}",
                    str(r.indicator.get_unit_display()), _num(r.indicator.target_2025),
                    _num(r.indicator.target_2035), r.status.zh if r.status else "—",
                ]
            )  # fmt: skip
        rep.sections.append((str(Scenario(scenario).label), table))
    if template.ranking:
        ranking = selectors.published_ranking(user, area)
        if ranking:
            rep.ranking_title = f"{ranking.name} v{ranking.version}（{ranking.period}）"
            for e in selectors.ranking_entries(user, ranking)[:30]:
                rep.ranking.append(
                    [str(e.rank), e.area.name, f"{e.score:.2f}", f"{e.median_rank:.0f}",
                     f"{e.rank_p05:.0f}–{e.rank_p95:.0f}"]
                )  # fmt: skip
    return rep


def xlsx(rep: Report) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "指标"
    ws.append(safe_row([rep.template.title, rep.area.name, rep.period]))
    ws.append(safe_row(["已由平台自动填报", rep.filled, "仍需填报或暂无来源", rep.missing]))
    for title, table in rep.sections:
        ws.append([])
        ws.append(safe_row([title]))
        ws.append(safe_row(Report.HEADER))
        for row in table:
            ws.append(safe_row(row))
    if rep.ranking:
        rs = wb.create_sheet("榜单")
        rs.append(safe_row([rep.ranking_title]))
        rs.append(safe_row(["名次", "社区", "得分", "中位名次", "5–95% 区间"]))
        for row in rep.ranking:
            rs.append(safe_row(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _status_png(counts: dict[str, int]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 2.2), dpi=150)
    codes = list(progress.LABELS)
    ax.barh(range(len(codes)), [counts.get(c, 0) for c in codes], color=[STATUS_COLOURS[c] for c in codes])
    ax.set_yticks([])
    for i, c in enumerate(codes):
        ax.text(counts.get(c, 0) + 0.1, i, str(counts.get(c, 0)), va="center", fontsize=8)
    ax.invert_yaxis()
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _compose(w: Any, rep: Report, png: bytes | None) -> None:
    w.title(rep.template.title, f"{rep.area.name} · {rep.period}")
    w.footer_text(f"{rep.template.title} · {rep.area.name} · {rep.period}")
    w.facts(
        [
            ("区域", rep.area.name),
            ("期间", rep.period),
            ("自动填报", f"{rep.filled} 项由平台数据计算（含审核生效的填报值）"),
            ("待填报", f"{rep.missing} 项仍需填报或暂无数据来源"),
        ]
    )
    if rep.template.status_chart:
        w.heading("进展状态（Open SDG 增长率法）")
        legend = [
            (STATUS_COLOURS[c], f"{progress.LABELS[c][0]} {rep.counts.get(c, 0)}", "dot")
            for c in progress.LABELS
        ]
        w.figure(png, legend, "按指标统计；方法见 docs/indicators.md。")
    for title, table in rep.sections:
        w.heading(f"{title}场景")
        w.table(Report.HEADER, table, (16, 52, 26, 22, 18, 18, 22))
    if rep.ranking:
        w.heading(f"百强榜单：{rep.ranking_title}")
        w.table(("名次", "社区", "得分", "中位名次", "5–95% 区间"), rep.ranking, (16, 70, 26, 28, 34))


def pdf(rep: Report) -> bytes:
    png = _status_png(rep.counts) if rep.template.status_chart else None
    collector = _Collector()
    _compose(collector, rep, png)
    fonts = font_subset(frozenset(collector.chars))
    with tempfile.TemporaryDirectory(prefix="shezhi-font-") as tmp:
        writer = _Writer(
            fonts, Path(tmp), {"title": rep.template.title, "author": "社智 shezhi", "subject": rep.area.name}
        )
        _compose(writer, rep, png)
        return bytes(writer.pdf.output())
