"""Imported signs of life (就医记录、养老金领取) from a hospital's or the pension office's file.

The file goes through ``common/uploads.py`` like every import. Rows are matched to people
by the blind index of the ID number, only among the importer's area; the whole file is
checked first, and a single bad row (unknown person, bad time, unknown kind) refuses it
all, naming the line and the reason — nothing is appended. The matching is a read of
personal data by number, so it writes one access-log row (``lookup``) for the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils import timezone

from shezhi.common.errors import Problem, RowError
from shezhi.common.identifiers import IdentifierError, id_number_validate
from shezhi.common.pii import blind_index
from shezhi.common.uploads import RowErrors, keyed_rows
from shezhi.eldercare import services
from shezhi.eldercare.models import Elder, ElderStatus, SignalKind
from shezhi.eldercare.permissions import ElderPermission
from shezhi.people.models import RevealField
from shezhi.people.services import access_log_record
from shezhi.people.validation import ID_KIND

if TYPE_CHECKING:
    from shezhi.accounts.models import User

COLUMNS = {
    "身份证号": "id_number",
    "id_number": "id_number",
    "类型": "kind",
    "kind": "kind",
    "时间": "observed_at",
    "observed_at": "observed_at",
    "编号": "ref",
    "ref": "ref",
}
KINDS = {
    "medical": SignalKind.MEDICAL,
    "就医": SignalKind.MEDICAL,
    "pension": SignalKind.PENSION,
    "养老金": SignalKind.PENSION,
}


@dataclass
class Planned:
    elder_pk: int
    kind: str
    observed_at: dt.datetime
    ref: str


def _problem(code: str, field: str, zh: str, en: str) -> Problem:
    return Problem(code, zh, en, field)


def signals_import(*, actor: User, path: str | Path, filename: str, source: str, reason: str) -> int:
    """Check the whole file, then record every row as a signal; returns how many."""
    services.require(actor, ElderPermission.CERTIFY)
    now = timezone.now()
    visible = Elder.objects.visible_to(actor).exclude(status=ElderStatus.EXITED)
    errors = RowErrors()
    planned: list[Planned] = []
    rows = keyed_rows(path, filename, columns=COLUMNS, required=("id_number", "kind", "observed_at"))
    for line, row in rows:
        problems: list[Problem] = []
        elder_pk = None
        try:
            number = id_number_validate(row.get("id_number", ""))
        except IdentifierError as exc:
            problems.append(exc.problem)
        else:
            elder_pk = (
                visible.filter(resident__id_index=blind_index(number, kind=ID_KIND))
                .values_list("pk", flat=True)
                .first()
            )
            if elder_pk is None:
                problems.append(
                    _problem(
                        "unknown_person",
                        "id_number",
                        "该证件号不是本辖区的高龄津贴对象",
                        "no person on the roll of your area has this ID number",
                    )
                )
        kind = KINDS.get((row.get("kind") or "").strip().lower())
        if kind is None:
            problems.append(
                _problem(
                    "invalid_choice", "kind", "类型应为 就医 或 养老金", "kind must be medical or pension"
                )
            )
        try:
            when = dt.datetime.fromisoformat((row.get("observed_at") or "").strip())
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
            if when > now:
                problems.append(
                    _problem("future", "observed_at", "时间不能晚于现在", "the time cannot be in the future")
                )
        except ValueError:
            when = now
            problems.append(
                _problem(
                    "bad_time",
                    "observed_at",
                    "时间格式应为 2026-03-01 09:30",
                    "time must look like 2026-03-01 09:30",
                )
            )
        if problems:
            errors.add(RowError(line=line, problems=problems))
        elif elder_pk is not None and kind is not None:
            planned.append(Planned(elder_pk, kind, when, (row.get("ref") or f"{filename}:{line}")[:60]))
    access_log_record(
        actor=actor,
        field=RevealField.LOOKUP,
        reason=reason or "导入无感认证信号",
        subject="",
        rows=len(planned) + len(errors),
        scope=f"signals import {filename}"[:200],
    )
    if errors:
        raise errors.rejected()
    for p in planned:
        services.signal_record(
            actor=actor,
            elder_pk=p.elder_pk,
            kind=p.kind,
            observed_at=p.observed_at,
            source=f"import:{source}",
            ref=p.ref,
        )
    return len(planned)
