"""Excel export of residents, masked unless the user may reveal and gives a reason."""

from __future__ import annotations

import tempfile
from typing import IO, TYPE_CHECKING

from django.db.models import QuerySet
from openpyxl import Workbook

from shezhi.common.pii import mask_id_number, mask_name, mask_phone, redact_free_text
from shezhi.common.sheets import safe_row
from shezhi.people.models import Resident, ResidentTag, TagSet
from shezhi.people.permissions import PeoplePermission, has_perm
from shezhi.people.readers import HEADERS
from shezhi.people.services import access_log_export

if TYPE_CHECKING:
    from shezhi.accounts.models import User

EXTRA_HEADERS = ["性别", "出生日期", "网格", "数据来源"]


def resident_export_xlsx(
    *, actor: User, residents: QuerySet[Resident], plain: bool = False, reason: str = "", scope: str = ""
) -> IO[bytes]:
    """An .xlsx of ``residents`` (already scoped by a selector) in the import layout.

    Written with openpyxl's write-only mode into a temporary file, so memory stays flat.
    Every export needs a reason and is logged with its row count and filters (``scope``);
    a plain (unmasked) one also needs the export permission. Notes are free text, so the
    numbers typed into them are masked unless the export is plain.
    """
    access_log_export(actor=actor, reason=reason, rows=residents.count(), plain=plain, scope=scope)
    full_names = plain or has_perm(actor, PeoplePermission.EDIT)
    labels = dict(ResidentTag.choices)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("居民")
    ws.append(safe_row(HEADERS + EXTRA_HEADERS))
    qs = residents.select_related("household__compound", "household__grid").order_by("pk")
    for r in qs.iterator(chunk_size=2000):
        h = r.household
        ws.append(
            safe_row(
                [
                    h.compound.name,
                    h.building,
                    h.unit,
                    h.room,
                    h.get_status_display(),
                    r.name if full_names else mask_name(r.name),
                    r.id_number if plain else mask_id_number(r.id_number),
                    r.phone if plain else mask_phone(r.phone),
                    r.get_relation_display(),
                    "、".join(str(labels[c]) for c in TagSet.decode(r.tags)),
                    r.note if plain else redact_free_text(r.note),
                    r.get_sex_display(),
                    r.birth_date.isoformat() if plain else f"{r.birth_date.year}",
                    h.grid.name if h.grid_id else "",  # type: ignore[union-attr]
                    "合成数据 / synthetic" if r.synthetic else "",
                ]
            )
        )
    out = tempfile.TemporaryFile()
    wb.save(out)
    out.seek(0)
    return out
