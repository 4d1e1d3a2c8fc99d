"""Reads of the people database: every one takes the acting user and scopes with ``visible_to``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from shezhi.common.errors import Problem
from shezhi.people.models import (
    AGE_BANDS,
    AccessLog,
    Facility,
    Household,
    ImportBatch,
    Organisation,
    Resident,
    TagSet,
)
from shezhi.people.permissions import PeoplePermission, has_perm

if TYPE_CHECKING:
    from shezhi.accounts.models import User


def _years_ago(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def birth_range(band: str, today: dt.date | None = None) -> Q:
    """Birth dates of people whose age today lies in ``band`` (see ``AGE_BANDS``)."""
    today = today or timezone.localdate()
    _, low, high = AGE_BANDS[band]
    q = Q(birth_date__lte=_years_ago(today, low))
    if high is not None:
        q &= Q(birth_date__gt=_years_ago(today, high + 1))
    return q


class NumberSearchRefused(ValueError):
    """A list search with a phone or ID number in it: that is a lookup (a reveal), not a filter."""

    problem = Problem(
        code="number_search",
        zh="列表只能按姓名或地址查找；按身份证号或手机号查找请用“证件号查找”（需填写事由，将记录访问日志）",
        en="lists search names and addresses only; to find someone by ID number or phone use "
        "the lookup (a reason is required and the lookup is logged)",
        field="q",
    )

    def __init__(self) -> None:
        super().__init__(str(self.problem))


#: Five digits or more in a search: part of an ID number or phone, never a name or address.
_NUMBER_LIKE = re.compile(r"\d(?:[\s\-]?\d){4,}")


def _search(qs: QuerySet[Resident], q: str) -> QuerySet[Resident]:
    """By name (contains) or the compound's name or the room. Never by a number.

    Searching by a full or partial ID number or phone would tell a role that may not reveal
    which of the candidates consistent with a mask is real (an oracle); :func:`resident_lookup`
    in services is the logged, throttled way for roles that may reveal.
    """
    q = q.strip()
    if _NUMBER_LIKE.search(q):
        raise NumberSearchRefused
    return qs.filter(Q(name__icontains=q) | Q(household__compound__name__icontains=q) | Q(household__room=q))


def _require_view(actor: User) -> None:
    if not has_perm(actor, PeoplePermission.VIEW):
        raise PermissionDenied("view")


def resident_list(*, actor: User, filters: dict[str, Any] | None = None) -> QuerySet[Resident]:
    """Residents visible to ``actor``, filtered by q, tag, age band, grid, compound, household."""
    _require_view(actor)
    f = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    qs = Resident.objects.visible_to(actor).select_related("household__compound", "household__grid")
    if q := f.get("q"):
        qs = _search(qs, str(q))
    if tag := f.get("tag"):
        qs = qs.filter(tags__contains=TagSet.needle(str(tag)))
    if (band := f.get("age_band")) in AGE_BANDS:
        qs = qs.filter(birth_range(band))
    if grid := f.get("grid"):
        qs = qs.filter(household__grid__path__startswith=f"{grid}-")
    if compound := f.get("compound"):
        qs = qs.filter(household__compound_id=compound)
    if household := f.get("household"):
        qs = qs.filter(household_id=household)
    if sex := f.get("sex"):
        qs = qs.filter(sex=sex)
    return qs.order_by("household__compound__name", "household_id", "id")


def resident_get(*, actor: User, pk: int) -> Resident:
    """One visible resident, else 404 (roles that see no one get 404 like any foreign row)."""
    return Resident.objects.select_related(
        "household__compound", "household__grid", "household__community"
    ).get_visible_or_404(actor, pk=pk)


@dataclass
class Change:
    """One history record: when, who, what kind of change, which fields (names only, no values)."""

    date: dt.datetime
    user: Any
    kind: str
    fields: list[str]


def history_changes(*, actor: User, obj: Household | Resident, limit: int = 20) -> list[Change]:
    """Change history of a record the actor can see: who changed which fields, when."""
    _require_view(actor)
    records = list(obj.history.select_related("history_user").order_by("-history_date")[: limit + 1])  # type: ignore[attr-defined]
    out = []
    for record, previous in zip(records, [*records[1:], None], strict=True):
        if len(out) == limit:
            break
        names: list[str] = []
        if previous is not None and record.history_type == "~":
            changed = {c.field for c in record.diff_against(previous).changes}
            names = [str(f.verbose_name) for f in type(obj)._meta.concrete_fields if f.name in changed]
        out.append(Change(record.history_date, record.history_user, record.get_history_type_display(), names))
    return out


def household_list(*, actor: User, filters: dict[str, Any] | None = None) -> QuerySet[Household]:
    _require_view(actor)
    f = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    qs = (
        Household.objects.visible_to(actor)
        .select_related("compound", "grid")
        .annotate(n_residents=Count("residents"))
    )
    if q := f.get("q"):
        qs = qs.filter(Q(compound__name__icontains=q) | Q(room__icontains=q) | Q(building__icontains=q))
    if grid := f.get("grid"):
        qs = qs.filter(grid__path__startswith=f"{grid}-")
    if status := f.get("status"):
        qs = qs.filter(status=status)
    if compound := f.get("compound"):
        qs = qs.filter(compound_id=compound)
    return qs.order_by("compound__name", "building", "unit", "room")


def household_get(*, actor: User, pk: int) -> Household:
    return Household.objects.select_related("compound", "grid", "community").get_visible_or_404(actor, pk=pk)


def facility_list(*, actor: User, filters: dict[str, Any] | None = None) -> QuerySet[Facility]:
    _require_view(actor)
    f = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    qs = Facility.objects.visible_to(actor).select_related("community", "grid", "operator")
    if q := f.get("q"):
        qs = qs.filter(name__icontains=q)
    if category := f.get("category"):
        qs = qs.filter(category=category)
    if level := f.get("level"):
        qs = qs.filter(level=level)
    return qs


def facility_get(*, actor: User, pk: int) -> Facility:
    return Facility.objects.select_related("community", "grid", "operator").get_visible_or_404(actor, pk=pk)


def organisation_list(*, actor: User, filters: dict[str, Any] | None = None) -> QuerySet[Organisation]:
    _require_view(actor)
    f = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    qs = Organisation.objects.visible_to(actor).select_related("community", "grid")
    if q := f.get("q"):
        qs = qs.filter(Q(name__icontains=q) | Q(uscc=str(q).upper()))
    if kind := f.get("kind"):
        qs = qs.filter(kind=kind)
    return qs


def organisation_get(*, actor: User, pk: int) -> Organisation:
    return Organisation.objects.select_related("community", "grid").get_visible_or_404(actor, pk=pk)


def access_log_list(*, actor: User, filters: dict[str, Any] | None = None) -> QuerySet[AccessLog]:
    """The access log for auditors: filter by actor (username), field, area, date range."""
    if not has_perm(actor, PeoplePermission.READ_ACCESS_LOG):
        raise PermissionDenied("read_access_log")
    f = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    qs = AccessLog.objects.visible_to(actor).select_related("actor")
    if who := f.get("actor"):
        qs = qs.filter(actor__username=who)
    if field := f.get("field"):
        qs = qs.filter(field=field)
    if area := f.get("area"):
        qs = qs.filter(division_code__startswith=area)
    if since := f.get("since"):
        qs = qs.filter(created_at__date__gte=since)
    if until := f.get("until"):
        qs = qs.filter(created_at__date__lte=until)
    if resident := f.get("resident"):
        qs = qs.filter(resident_id=resident)
    return qs


def import_batch_get(*, actor: User, pk: int) -> ImportBatch:
    """An import batch of the actor's own (nobody else confirms or reads another's upload)."""
    return ImportBatch.objects.visible_to(actor).filter(actor=actor).get_visible_or_404(actor, pk=pk)
