"""Certificate of volunteer hours (志愿服务时长证明) as PDF with Noto Sans SC embedded.

The font is cut the way ``shezhi/lifecircle/pdf.py`` does it (participation may not import
lifecircle): fontTools subsets the variable Noto Sans SC of ``justmytype-intl-cjk`` to the
characters printed and instantiates Regular and Bold; fpdf2 embeds the result.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from functools import cache
from importlib.resources import files
from io import BytesIO
from pathlib import Path

from django.utils import timezone
from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from shezhi.participation.models import Service, Volunteer

FAMILY = "NotoSansSC"


@cache
def _font_file() -> Path:
    return Path(str(files("justmytype_intl_cjk") / "fonts" / "ofl" / "notosanssc" / "NotoSansSC[wght].ttf"))


def _fonts(chars: frozenset[str]) -> dict[int, bytes]:
    font = TTFont(_font_file(), lazy=True)
    options = ftsubset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = []
    options.hinting = False
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes={ord(c) for c in chars} | {0x20})
    subsetter.subset(font)
    cut = BytesIO()
    font.save(cut)
    out = {}
    for weight in (400, 700):
        static = instancer.instantiateVariableFont(
            TTFont(BytesIO(cut.getvalue())), {"wght": weight}, inplace=True, static=True, updateFontNames=True
        )
        buffer = BytesIO()
        static.save(buffer)
        out[weight] = buffer.getvalue()
    return out


def certificate_lines(
    volunteer: Volunteer, services: list[Service], year: int, issuer: str
) -> dict[str, object]:
    total = sum((s.hours for s in services), Decimal(0))
    rows = [
        (
            timezone.localtime(s.checked_in_at).strftime("%Y-%m-%d") if s.checked_in_at else "",
            s.activity.title,
            s.activity.community.name,
            f"{s.hours:.1f}",
        )
        for s in services
    ]
    return {
        "title": "志愿服务时长证明",
        "body": (
            f"兹证明{volunteer.name}（{volunteer.get_kind_display()}"
            + (f"，{volunteer.work_unit}" if volunteer.work_unit else "")
            + f"）于{year}年参加志愿服务{len(rows)}次，经活动组织方核定的服务时长共计{total:.1f}小时。"
        ),
        "rows": rows,
        "total": f"{total:.1f}",
        "issuer": issuer,
        "date": timezone.localdate().strftime("%Y年%m月%d日"),
        "note": "合成数据，仅供演示"
        if volunteer.synthetic
        else "仅统计组织方核定的时长（签到签退记录为准）。",
    }


def certificate_pdf(volunteer: Volunteer, services: list[Service], year: int, issuer: str) -> bytes:
    data = certificate_lines(volunteer, services, year, issuer)
    header = ("日期", "活动", "社区", "时长（小时）", "合计")
    text = "".join(str(v) for v in data.values() if isinstance(v, str)) + "".join(header)
    text += "".join("".join(r) for r in data["rows"])  # type: ignore[union-attr]
    text += "0123456789.-：（）年月日第页共"
    fonts = _fonts(frozenset(text))
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    with tempfile.TemporaryDirectory(prefix="shezhi-font-") as tmp:
        for weight, style in ((400, ""), (700, "B")):
            path = Path(tmp) / f"{FAMILY}-{weight}.ttf"
            path.write_bytes(fonts[weight])
            pdf.add_font(FAMILY, style, path)
        pdf.set_title(str(data["title"]))
        pdf.set_lang("zh-CN")
        pdf.set_creator("shezhi")
        pdf.set_margins(20, 20, 20)
        pdf.add_page()
        pdf.set_font(FAMILY, "B", 24)
        pdf.cell(0, 18, str(data["title"]), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(6)
        pdf.set_font(FAMILY, "", 12)
        pdf.multi_cell(0, 8, str(data["body"]), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        widths = (30, 80, 35, 25)
        pdf.set_font(FAMILY, "B", 10)
        for w, h in zip(widths, header[:4], strict=True):
            pdf.cell(w, 8, h, border=1, align="C")
        pdf.ln()
        pdf.set_font(FAMILY, "", 10)
        for row in data["rows"]:  # type: ignore[union-attr]
            for w, value in zip(widths, row, strict=True):
                pdf.cell(w, 7, value[:40], border=1)
            pdf.ln()
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(sum(widths[:3]), 8, header[4], border=1, align="R")
        pdf.cell(widths[3], 8, str(data["total"]), border=1)
        pdf.ln(20)
        pdf.set_font(FAMILY, "", 12)
        pdf.cell(0, 8, str(data["issuer"]), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.cell(0, 8, str(data["date"]), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(10)
        pdf.set_font(FAMILY, "", 9)
        pdf.multi_cell(0, 6, str(data["note"]), align="L")
        return bytes(pdf.output())
