"""The printable life-circle evaluation report (生活圈评估报告) as PDF, Chinese font embedded.

Font: Noto Sans SC from the PyPI package ``justmytype-intl-cjk`` (Google Fonts' build, SIL
OFL 1.1). It is a variable TrueType font (glyf outlines) whose default instance is Thin, so
we cut it ourselves: fontTools subsets the 17 MB file to the characters the report uses and
instantiates Regular (wght 400) and Bold (700) from that subset — about a second, against
a minute and a half to instantiate the whole font — and fpdf2 embeds the result as a
CIDFontType2 with a ToUnicode map, so the PDF is small, prints anywhere and its text can
be searched and copied. Nothing is read from system fonts or the network.

The document is composed once against a :class:`_Collector` that only records characters,
then again against the fpdf2 writer with the subset font; both follow the same
:func:`_compose`, so every character printed is in the subset.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib.resources import files
from io import BytesIO
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer
from fpdf import FPDF, FontFace
from fpdf.enums import WrapMode, XPos, YPos
from PIL import Image

from shezhi.lifecircle.mapfig import COLOURS
from shezhi.lifecircle.report_content import EvaluationReport

FAMILY = "NotoSansSC"
# fontTools reports every table it subsets at INFO; the report needs none of it.
logging.getLogger("fontTools").setLevel(logging.WARNING)
#: Gaps printed in the PDF (the Excel version has all of them).
GAP_ROWS = 40
#: Recommendations printed (the most households first).
RECOMMENDATIONS = 12
#: Height of the map figure on the page.
MAP_HEIGHT_MM = 150
_INK = (33, 33, 33)
_MUTED = (97, 97, 97)
_HEAD_FILL = (232, 240, 233)


@cache
def font_file() -> Path:
    """Noto Sans SC, variable TrueType, as installed from PyPI (``justmytype-intl-cjk``)."""
    return Path(str(files("justmytype_intl_cjk") / "fonts" / "ofl" / "notosanssc" / "NotoSansSC[wght].ttf"))


@lru_cache(maxsize=8)  # the same report asked for again reuses its cut (about 200 KB)
def font_subset(chars: frozenset[str], weights: tuple[int, ...] = (400, 700)) -> dict[int, bytes]:
    """Static TrueType fonts of ``chars`` at each weight, cut from the variable font."""
    font = TTFont(font_file(), lazy=True)
    options = ftsubset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = []  # Chinese needs no shaping; keeps the subset small
    options.hinting = False
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes={ord(c) for c in chars} | {0x20})
    subsetter.subset(font)
    cut = BytesIO()
    font.save(cut)  # a few hundred glyphs: re-reading it beats deep-copying it per weight
    out = {}
    for weight in weights:
        static = instancer.instantiateVariableFont(
            TTFont(BytesIO(cut.getvalue())), {"wght": weight}, inplace=True, static=True, updateFontNames=True
        )
        buffer = BytesIO()
        static.save(buffer)
        out[weight] = buffer.getvalue()
    return out


# --------------------------------------------------------------------------- writers


class _Collector:
    """Records the characters a composition prints."""

    def __init__(self) -> None:
        self.chars: set[str] = set()

    def _add(self, *texts: object) -> None:
        for t in texts:
            self.chars.update(str(t))

    def title(self, text: str, subtitle: str) -> None:
        self._add(text, subtitle)

    def heading(self, text: str, *, need: float = 50) -> None:
        self._add(text)

    def para(self, text: str, *, muted: bool = False, size: float = 10) -> None:
        self._add(text)

    def facts(self, rows: Sequence[tuple[str, str]]) -> None:
        for k, v in rows:
            self._add(k, v)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float]) -> None:
        self._add(*header)
        for row in rows:
            self._add(*row)

    def bullets(self, lines: Sequence[str], *, numbered: bool = False) -> None:
        self._add("·", *lines, *(f"{i}." for i in range(1, len(lines) + 1)))

    def figure(self, png: bytes | None, legend: Sequence[tuple[str, str, str]], caption: str) -> None:
        self._add(caption, *(label for _c, label, _s in legend))

    def footer_text(self, text: str) -> None:
        self._add(text, "0123456789/ ")


class _ReportPDF(FPDF):
    footer_line = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(*_MUTED)
        self.cell(0, 5, f"{self.footer_line}    {self.page_no()}/{{nb}}", align="C")


class _Writer:
    """Lays the composition out on A4 with fpdf2."""

    def __init__(self, fonts: dict[int, bytes], tmp: Path, meta: dict[str, str]) -> None:
        pdf = _ReportPDF(orientation="portrait", unit="mm", format="A4")
        for weight, style in ((400, ""), (700, "B")):
            path = tmp / f"{FAMILY}-{weight}.ttf"
            path.write_bytes(fonts[weight])
            pdf.add_font(FAMILY, style, path)
        pdf.set_margins(16, 16, 16)
        pdf.set_auto_page_break(True, margin=18)
        pdf.set_title(meta["title"])
        pdf.set_author(meta["author"])
        pdf.set_subject(meta["subject"])
        pdf.set_lang("zh-CN")
        pdf.set_creator("shezhi")
        pdf.add_page()
        self.pdf = pdf

    def _reset(self, size: float = 10, bold: bool = False, colour: tuple[int, int, int] = _INK) -> None:
        self.pdf.set_font(FAMILY, "B" if bold else "", size)
        self.pdf.set_text_color(*colour)

    def title(self, text: str, subtitle: str) -> None:
        self.pdf.ln(30)
        self._reset(22, bold=True)
        self.pdf.multi_cell(
            0, 11, text, align="C", wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self._reset(12, colour=_MUTED)
        self.pdf.ln(2)
        self.pdf.multi_cell(
            0, 7, subtitle, align="C", wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.pdf.ln(12)

    def heading(self, text: str, *, need: float = 50) -> None:
        """A section title, on a new page unless ``need`` mm fit below it."""
        if self.pdf.get_y() > self.pdf.h - self.pdf.b_margin - need:
            self.pdf.add_page()
        self.pdf.ln(4)
        self._reset(14, bold=True)
        self.pdf.cell(0, 9, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.set_draw_color(46, 125, 50)
        self.pdf.set_line_width(0.5)
        y = self.pdf.get_y()
        self.pdf.line(self.pdf.l_margin, y, self.pdf.w - self.pdf.r_margin, y)
        self.pdf.ln(3)

    def para(self, text: str, *, muted: bool = False, size: float = 10) -> None:
        self._reset(size, colour=_MUTED if muted else _INK)
        self.pdf.multi_cell(0, size * 0.55, text, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1.5)

    def facts(self, rows: Sequence[tuple[str, str]]) -> None:
        self._reset(10.5)
        with self.pdf.table(
            col_widths=(28, 100),
            width=128,
            first_row_as_headings=False,
            borders_layout="HORIZONTAL_LINES",
            line_height=7,
            text_align=("RIGHT", "LEFT"),
            wrapmode=WrapMode.CHAR,
        ) as table:
            for k, v in rows:
                row = table.row()
                row.cell(k, style=FontFace(color=_MUTED))
                row.cell(v)
        self.pdf.ln(4)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float]) -> None:
        self._reset(8.5)
        with self.pdf.table(
            col_widths=tuple(widths),
            headings_style=FontFace(emphasis="BOLD", fill_color=_HEAD_FILL),
            line_height=5,
            text_align="LEFT",
            wrapmode=WrapMode.CHAR,
            padding=1,
        ) as table:
            head = table.row()
            for h in header:
                head.cell(h)
            for r in rows:
                row = table.row()
                for value in r:
                    row.cell(str(value))
        self.pdf.ln(3)

    def bullets(self, lines: Sequence[str], *, numbered: bool = False) -> None:
        self._reset(10)
        for i, line in enumerate(lines, start=1):
            mark = f"{i}." if numbered else "·"
            self.pdf.cell(7, 5.5, mark)
            self.pdf.multi_cell(0, 5.5, line, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.pdf.ln(1)

    def figure(self, png: bytes | None, legend: Sequence[tuple[str, str, str]], caption: str) -> None:
        if png is not None:
            # Fitted into the text width and MAP_HEIGHT_MM, centred, aspect kept.
            width = self.pdf.w - self.pdf.l_margin - self.pdf.r_margin
            with Image.open(BytesIO(png)) as im:
                height = min(MAP_HEIGHT_MM, width * im.height / im.width)
            y = self.pdf.get_y()
            self.pdf.image(BytesIO(png), x=self.pdf.l_margin, y=y, w=width, h=height, keep_aspect_ratio=True)
            self.pdf.set_y(y + height)
        self._reset(9)
        self.pdf.ln(2)
        for colour, label, shape in legend:
            r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
            self.pdf.set_fill_color(r, g, b)
            x, y = self.pdf.get_x(), self.pdf.get_y()
            if shape == "triangle":
                self.pdf.polygon([(x, y + 4.2), (x + 3, y + 4.2), (x + 1.5, y + 1.2)], style="F")
            else:
                self.pdf.ellipse(x, y + 1.2, 3, 3, style="F")
            self.pdf.set_x(self.pdf.get_x() + 4.5)
            self.pdf.cell(self.pdf.get_string_width(label) + 6, 5.5, label)
        self.pdf.set_fill_color(255, 255, 255)
        self.pdf.ln(7)
        self.para(caption, muted=True, size=8.5)

    def footer_text(self, text: str) -> None:
        self.pdf.footer_line = text


# --------------------------------------------------------------------------- composition


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _map_compounds(rep: EvaluationReport) -> str:
    """The compounds drawn: all of the scope's, or (a grid worker) those of their grid."""
    drawn, total = len(rep.map.points), rep.figures.compounds
    if drawn >= total:
        return _("%(n)d 个小区") % {"n": drawn}
    return _("你可查看的 %(n)d 个小区（本范围共 %(total)d 个）") % {"n": drawn, "total": total}


def _compose(w: Any, rep: EvaluationReport, png: bytes | None) -> None:
    run = rep.run
    w.footer_text(f"{rep.title} · © OpenStreetMap contributors")
    w.title(
        rep.title,
        _("评估编号 #%(pk)s · 配置标准 v%(v)s · %(walker)s")
        % {"pk": run.pk, "v": run.standard.number, "walker": run.get_walker_display()},
    )
    w.facts(rep.facts)
    w.heading(_("数据来源与许可"))
    w.bullets(rep.sources)
    w.para(
        _(
            "计算方法：小区以其中心点接入最近的步行道路，步行距离为沿 OpenStreetMap 路网的最短路；"
            "覆盖率按户数加权；圈层步行距离 5 分钟 300 米、10 分钟 500 米、15 分钟 1000 米"
            "（GB 50180-2018），老年人按 0.8 米/秒折算。"
        ),
        muted=True,
        size=9,
    )

    w.heading(_("一、四类指标（规模·覆盖·效率·品质）"))
    w.table(
        [_("类别"), _("指标值"), _("计算方法")],
        [
            (i.kind, f"{i.value} {i.unit}" + (f"（{i.verdict}）" if i.verdict else ""), i.formula)
            for i in rep.indicators
        ],
        (18, 32, 128),
    )

    w.heading(_("二、服务要素"))
    w.table(
        [
            _("服务要素"),
            _("所属圈"),
            _("类型"),
            _("服务半径"),
            _("范围内设施"),
            _("户数覆盖率"),
            _("平均步行距离"),
        ],
        [
            (
                e.name,
                e.circle,
                e.kind_label,
                _("%(m)d 米") % {"m": e.radius_m},
                e.facilities,
                e.coverage_text,
                e.mean_walk_text,
            )
            for e in rep.elements
        ],
        (44, 24, 22, 18, 18, 24, 28),
    )
    w.para(
        _(
            "范围内设施：位于本范围各社区内的设施（周边设施同样计入覆盖与步行距离）；"
            "平均步行距离：到最近设施，按户数加权，超出搜索范围（两倍服务半径）按两倍半径计。"
        ),
        muted=True,
        size=8.5,
    )

    w.heading(_("三、地图：%(name)s步行可达性") % {"name": rep.map.name}, need=MAP_HEIGHT_MM + 25)
    w.figure(
        png,
        [
            (COLOURS["covered"], _("%(r)s 米内可达") % {"r": rep.map.radius_m}, "dot"),
            (COLOURS["uncovered"], _("超出服务半径"), "dot"),
            (COLOURS["none"], _("搜索范围内没有"), "dot"),
            # The map's extent: nearby facilities are drawn too, so this is not the element
            # table's 范围内设施 and is named differently.
            (
                COLOURS["facility"],
                _("图中设施（含周边，%(n)d 处）") % {"n": len(rep.map.facilities)},
                "triangle",
            ),
        ],
        _(
            "图：%(shown)s（点的大小示意户数）按到最近%(name)s的步行距离着色，"
            "三角为图幅内的现有设施（含本范围周边），底图为步行路网。"
            "地图数据 © OpenStreetMap contributors（ODbL）；社区边界为生成示意。"
        )
        % {"shown": _map_compounds(rep), "name": rep.map.name},
    )

    w.heading(_("四、短板清单"))
    shown = rep.gaps[:GAP_ROWS]
    w.para(
        _("共 %(n)d 条短板，按未覆盖户数从多到少排序；以下列出前 %(k)d 条，完整清单见 Excel 版报告。")
        % {"n": rep.gap_total, "k": len(shown)}
        if rep.gap_total > len(shown)
        else _("共 %(n)d 条短板，按未覆盖户数从多到少排序。") % {"n": rep.gap_total}
    )
    if shown:
        w.table(
            [_("排序"), _("社区"), _("服务要素"), _("短板类型"), _("未覆盖户数"), _("覆盖率")],
            [
                (
                    g.rank,
                    g.community.name,
                    g.element_name,
                    g.get_kind_display(),
                    f"{g.uncovered_households:,}",
                    _pct(g.coverage),
                )
                for g in shown
            ],
            (12, 44, 46, 38, 22, 16),
        )

    w.heading(_("五、建议"))
    shown_rec = rep.recommendations[:RECOMMENDATIONS]
    w.bullets(shown_rec + rep.notes, numbered=True)
    if len(rep.recommendations) > len(shown_rec):
        w.para(
            _("另有 %(n)d 条建议见 Excel 版报告。") % {"n": len(rep.recommendations) - len(shown_rec)},
            muted=True,
            size=9,
        )
    w.para(
        _("本报告由社智平台根据评估结果自动生成；户数与人口为估算，边界为示意，供规划参考。"),
        muted=True,
        size=8.5,
    )


def report_pdf(rep: EvaluationReport, png: bytes | None) -> bytes:
    """The PDF of ``rep`` with the map ``png`` (may be None), font subset and embedded."""
    collector = _Collector()
    _compose(collector, rep, png)
    fonts = font_subset(frozenset(collector.chars))
    with tempfile.TemporaryDirectory(prefix="shezhi-font-") as tmp:
        writer = _Writer(
            fonts,
            Path(tmp),
            {
                "title": rep.title,
                "author": "社智 shezhi",
                "subject": _("一刻钟社区生活圈评估（规模·覆盖·效率·品质）"),
            },
        )
        _compose(writer, rep, png)
        return bytes(writer.pdf.output())
