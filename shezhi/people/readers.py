"""The columns of a resident import and their aliases; rows are read by :mod:`shezhi.common.uploads`.

The file is never loaded whole. The header row is matched against the known columns (and
their common aliases); a file that is not what its name says, lacks a required column, or
breaks a limit of the upload pipeline is rejected whole with the reason in Chinese and English.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from shezhi.common import uploads


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


_BY_NAME = {name: c.key for c in COLUMNS for name in (c.header, *c.aliases)}
_LABELS = {c.key: c.header for c in COLUMNS}
_REQUIRED = [c.key for c in COLUMNS if c.required]


def read_rows(path: Path, filename: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {column key: text}) for every non-empty data row, through the upload pipeline."""
    return uploads.keyed_rows(
        path, filename, columns=_BY_NAME, required=_REQUIRED, labels=_LABELS, expected=HEADERS
    )


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
