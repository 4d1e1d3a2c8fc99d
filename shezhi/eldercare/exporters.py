"""The monthly payment roll as Excel: masked as the role requires, every cell inert, logged."""

from __future__ import annotations

import tempfile
from typing import IO, TYPE_CHECKING

from openpyxl import Workbook

from shezhi.common.pii import mask_id_number, mask_name
from shezhi.common.sheets import inert
from shezhi.eldercare.permissions import ElderPermission
from shezhi.eldercare.selectors import Roll
from shezhi.eldercare.services import require
from shezhi.people.permissions import PeoplePermission, has_perm
from shezhi.people.services import access_log_export

if TYPE_CHECKING:
    from shezhi.accounts.models import User

HEADERS = [
    "序号",
    "社区",
    "小区",
    "姓名",
    "身份证号",
    "津贴档次",
    "月标准（元）",
    "认证状态",
    "上次认证",
    "数据来源",
]


def roll_export_xlsx(*, actor: User, roll: Roll, reason: str, plain: bool = False) -> IO[bytes]:
    """An .xlsx of the roll. Plain ID numbers need people's export right; every export needs a
    reason and writes one access-log row (rows, month), masked ones too."""
    require(actor, ElderPermission.EXPORT)
    access_log_export(
        actor=actor,
        reason=reason,
        rows=len(roll.rows),
        plain=plain,
        scope=f"高龄津贴发放名册 {roll.year}-{roll.month:02d}",
    )
    full_names = plain or has_perm(actor, PeoplePermission.EDIT)
    wb = Workbook(write_only=True)
    ws = inert(wb.create_sheet(f"{roll.year}-{roll.month:02d}"))
    ws.append(HEADERS)
    for i, row in enumerate(roll.rows, start=1):
        e = row.elder
        r = e.resident
        ws.append(
            [
                i,
                e.community.name,
                r.household.compound.name,
                r.name if full_names else mask_name(r.name),
                r.id_number if plain else mask_id_number(r.id_number),
                row.tier,
                row.monthly_yuan,
                e.get_cert_state_display(),
                e.last_certified_on.isoformat() if e.last_certified_on else "",
                "合成数据 / synthetic" if e.synthetic else "",
            ]
        )
    ws.append(["合计", "", "", "", "", "", roll.total_yuan, "", "", ""])
    out = tempfile.TemporaryFile()
    wb.save(out)
    out.seek(0)
    return out
