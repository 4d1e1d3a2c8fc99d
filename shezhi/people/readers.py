"""Reading uploaded tables row by row: .xlsx (openpyxl read-only) or CSV (UTF-8 or GB18030).

The file is never loaded whole. The header row is matched against the known columns (and
their common aliases); a file that is not what its name says, or lacks a required column,
is rejected whole with the reason in Chinese and English.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shezhi.common.errors import ImportRejected, Problem, RowError


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    aliases: tuple[str, ...] = ()


COLUMNS = (
    Column("compound", "小区", True, ("小区名称", "小区（院落）", "院落", "compound")),
    Column("building", "楼栋", False, ("楼栋号", "栋", "building")),
    Column("unit", "单元", False, ("单元号", "unit")),
    Column("room", "房号", True, ("门牌号", "房间号", "room")),
    Column("status", "户籍状态", False, ("人口类型", "居住类型", "status")),
    Column("name", "姓名", True, ("name",)),
    Column("id_number", "身份证号", True, ("身份证号码", "公民身份号码", "id_number")),
    Column("phone", "联系电话", False, ("手机号", "手机号码", "电话", "phone")),
    Column("relation", "与户主关系", False, ("关系", "relation")),
    Column("tags", "标签", False, ("人员标签", "tags")),
    Column("note", "备注", False, ("note",)),
)
HEADERS = [c.header for c in COLUMNS]
_BY_NAME = {name.strip().lower(): c for c in COLUMNS for name in (c.header, *c.aliases)}


def _file_problem(code: str, zh: str, en: str) -> ImportRejected:
    return ImportRejected([RowError(line=1, problems=[Problem(code=code, zh=zh, en=en, field="file")])])


def _cell(value: Any) -> str:
    """A cell as text. Numbers typed into Excel come back as int/float; keep their digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _is_xlsx(path: Path, filename: str) -> bool:
    with path.open("rb") as fh:
        magic = fh.read(4)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        if magic != b"PK\x03\x04":
            raise _file_problem(
                "not_excel",
                "文件扩展名为 .xlsx，但内容不是 Excel 工作簿",
                "the file is named .xlsx but is not an Excel workbook",
            )
        return True
    return magic == b"PK\x03\x04"


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    fh = path.open("rb")  # a file object: openpyxl would judge a path by its extension
    try:
        workbook = load_workbook(fh, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        fh.close()
        raise _file_problem(
            "not_excel", "无法读取 Excel 文件（文件已损坏或不是 .xlsx）", "cannot read the Excel file"
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell(v) for v in row]
    finally:
        workbook.close()
        fh.close()


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030 (what Chinese Excel saves as “CSV”)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "gb18030"
    return "utf-8-sig"


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    encoding = _csv_encoding(path)
    with path.open("r", encoding=encoding, newline="") as fh:
        reader = csv.reader(fh)
        try:
            for row in reader:
                yield reader.line_num, [v.strip() for v in row]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise _file_problem(
                "bad_csv",
                f"第 {reader.line_num} 行附近无法解析 CSV（编码或格式错误）",
                f"cannot parse the CSV near line {reader.line_num}",
            ) from exc


def table_rows(path: Path, filename: str) -> Iterator[tuple[int, list[str]]]:
    """(line, cells as text) of an .xlsx (first sheet) or CSV (UTF-8 or GB18030), streamed."""
    return _xlsx_rows(path) if _is_xlsx(path, filename) else _csv_rows(path)


def read_rows(path: Path, filename: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {column key: text}) for every non-empty data row; checks the header first."""
    rows = table_rows(path, filename)
    header: list[Column | None] | None = None
    for line, cells in rows:
        if header is None:
            if not any(cells):
                continue
            header = [_BY_NAME.get(c.strip().lower()) for c in cells]
            found = {c.key for c in header if c}
            missing = [c.header for c in COLUMNS if c.required and c.key not in found]
            if missing:
                unknown = [c for c, col in zip(cells, header, strict=True) if c and col is None]
                raise ImportRejected(
                    [
                        RowError(
                            line=line,
                            problems=[
                                Problem(
                                    code="bad_header",
                                    field="header",
                                    zh=f"表头缺少必填列：{'、'.join(missing)}"
                                    + (f"（无法识别的列：{'、'.join(unknown)}）" if unknown else "")
                                    + f"。应为：{'、'.join(HEADERS)}",
                                    en=f"missing required columns {missing}"
                                    + (f" (unrecognised: {unknown})" if unknown else ""),
                                )
                            ],
                        )
                    ]
                )
            continue
        if not any(cells):
            continue
        yield line, {col.key: cells[i] for i, col in enumerate(header) if col and i < len(cells)}
    if header is None:
        raise _file_problem("empty_file", "文件中没有数据", "the file has no rows")


def template_csv() -> bytes:
    """An empty import template (header row and one example row), UTF-8 with BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerow(
        [
            "某小区",
            "1栋",
            "1单元",
            "101",
            "户籍",
            "张三",
            "11010519491231002X",
            "13800000000",
            "户主",
            "党员",
            "",
        ]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
