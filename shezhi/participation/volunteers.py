"""Volunteers and their hours (志愿服务): sign-up, acceptance, geotagged check-in/out, hours
verified by the organiser, and the 1116 report.

The 1116 rule (在职党员“1116”): a unit party member serves at least 16 hours a year in one
community. Only verified hours count; hours are attributed to the activity's community and
a member complies when the hours in their best community reach 16 (hours in several
communities are not added up).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shezhi.common.errors import AppError
from shezhi.participation.models import Activity, Service, ServiceStatus, Volunteer, VolunteerKind
from shezhi.participation.permissions import ParticipationPermission, has_perm

RULE_1116_HOURS = Decimal(16)
#: How far from the activity's window a check-in or check-out may lie.
SLACK = dt.timedelta(hours=1)


class VolunteerRefused(AppError):
    pass


def _refuse(zh: Any, en: str, *, status: int = 409, code: str = "volunteer_refused") -> VolunteerRefused:
    return VolunteerRefused(zh, en, status=status, code=code)


def _require_manager(actor: Any) -> None:
    if not has_perm(actor, ParticipationPermission.MANAGE):
        raise _refuse(
            _("仅社区可执行此操作"), "only the community desk may do this", status=403, code="forbidden"
        )


def volunteer_register(
    *,
    actor: Any,
    name: str,
    kind: str,
    community: Any,
    work_unit: str = "",
    user: Any = None,
    synthetic: bool = False,
) -> Volunteer:
    _require_manager(actor)
    name, work_unit = (name or "").strip(), (work_unit or "").strip()
    if not name or len(name) > 64:
        raise _refuse(_("姓名须填写，且不超过 64 字"), "a name of 1–64 characters", status=422)
    if kind not in VolunteerKind.values:
        raise _refuse(_("志愿者类型无效"), "unknown volunteer kind", status=422)
    if kind == VolunteerKind.PARTY_MEMBER and not work_unit:
        raise _refuse(_("在职党员须填写所在单位"), "a unit party member names their work unit", status=422)
    return Volunteer.objects.create(
        name=name, kind=kind, community=community, work_unit=work_unit[:120], user=user, synthetic=synthetic
    )


def activity_create(
    *,
    actor: Any,
    title: str,
    community: Any,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str = "",
    capacity: int = 20,
    synthetic: bool = False,
) -> Activity:
    _require_manager(actor)
    if not title.strip() or len(title) > 120:
        raise _refuse(_("活动名称须填写，且不超过 120 字"), "a title of 1–120 characters", status=422)
    if ends_at <= starts_at:
        raise _refuse(_("结束时间须晚于开始时间"), "the end is after the start", status=422)
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise _refuse(_("单次活动不超过 24 小时"), "one activity lasts at most 24 hours", status=422)
    if not 1 <= capacity <= 1000:
        raise _refuse(_("名额须为 1–1000"), "capacity 1–1000", status=422)
    return Activity.objects.create(
        title=title.strip(),
        community=community,
        organiser=actor,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip()[:120],
        capacity=capacity,
        synthetic=synthetic,
    )


@transaction.atomic
def service_signup(*, activity: Activity, volunteer: Volunteer) -> Service:
    if timezone.now() >= activity.ends_at:
        raise _refuse(_("活动已结束，不能报名"), "the activity is over")
    taken = activity.services.exclude(status=ServiceStatus.REJECTED).count()
    if taken >= activity.capacity:
        raise _refuse(_("名额已满"), "the activity is full")
    service, created = Service.objects.get_or_create(activity=activity, volunteer=volunteer)
    if not created:
        raise _refuse(_("已报名，不能重复报名"), "already signed up")
    return service


def _move(service: Service, frm: tuple[str, ...], to: str, **fields: Any) -> Service:
    """Compare-and-swap: the service changes state only from ``frm``."""
    if not Service.objects.filter(pk=service.pk, status__in=frm).update(status=to, **fields):
        service.refresh_from_db()
        raise _refuse(
            _("当前状态（%(s)s）不能执行此操作") % {"s": service.get_status_display()},
            f"not possible in state {service.status}",
        )
    service.refresh_from_db()
    return service


def service_accept(*, service: Service, actor: Any, accept: bool = True) -> Service:
    _require_manager(actor)
    return _move(
        service, (ServiceStatus.SIGNED_UP,), ServiceStatus.ACCEPTED if accept else ServiceStatus.REJECTED
    )


def _point(lon: float | None, lat: float | None) -> tuple[float | None, float | None]:
    if lon is None or lat is None:
        return None, None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _refuse(_("位置坐标无效"), "invalid coordinates", status=422)
    return lon, lat


def _overlapping(service: Service, start: dt.datetime, end: dt.datetime) -> bool:
    """Does this volunteer have another service whose check-in interval meets [start, end]?"""
    others = Service.objects.filter(volunteer=service.volunteer).exclude(pk=service.pk)
    open_ = others.filter(status=ServiceStatus.CHECKED_IN)
    closed = others.filter(
        status__in=(ServiceStatus.CHECKED_OUT, ServiceStatus.VERIFIED),
        checked_in_at__lt=end,
        checked_out_at__gt=start,
    )
    return open_.exists() or closed.exists()


@transaction.atomic
def service_check_in(
    *, service: Service, at: dt.datetime, lon: float | None = None, lat: float | None = None
) -> Service:
    activity = service.activity
    if not activity.starts_at - SLACK <= at <= activity.ends_at:
        raise _refuse(_("不在活动时间内，不能签到"), "outside the activity's time")
    lon, lat = _point(lon, lat)
    Volunteer.objects.select_for_update().filter(pk=service.volunteer_id).first()
    if _overlapping(service, at, at + dt.timedelta(seconds=1)):
        raise _refuse(
            _("该志愿者在其他活动中尚未签退或时间重叠，不能重复签到"),
            "this volunteer is checked in elsewhere or the times overlap",
            code="overlapping_check_in",
        )
    return _move(
        service, (ServiceStatus.ACCEPTED,), ServiceStatus.CHECKED_IN, checked_in_at=at, in_lon=lon, in_lat=lat
    )


def service_check_out(
    *, service: Service, at: dt.datetime, lon: float | None = None, lat: float | None = None
) -> Service:
    if service.checked_in_at is None or at <= service.checked_in_at:
        raise _refuse(_("签退时间须晚于签到时间"), "check-out must be after check-in")
    if at > service.activity.ends_at + SLACK:
        at = service.activity.ends_at + SLACK  # a forgotten check-out counts to the end, not beyond
    lon, lat = _point(lon, lat)
    return _move(
        service,
        (ServiceStatus.CHECKED_IN,),
        ServiceStatus.CHECKED_OUT,
        checked_out_at=at,
        out_lon=lon,
        out_lat=lat,
    )


def service_verify(*, service: Service, actor: Any, hours: Decimal | None = None) -> Service:
    """The organiser verifies hours: at most the checked time within the activity, in half hours."""
    _require_manager(actor)
    if service.checked_in_at is None or service.checked_out_at is None:
        raise _refuse(_("尚未签到签退，不能核定时长"), "no check-in and check-out to verify")
    start = max(service.checked_in_at, service.activity.starts_at)
    end = min(service.checked_out_at, service.activity.ends_at)
    worked = Decimal(max((end - start).total_seconds(), 0) / 3600)
    ceiling = (worked * 2).quantize(Decimal(1), rounding=ROUND_DOWN) / 2
    if hours is None:
        hours = ceiling
    if hours < 0 or hours > ceiling:
        raise _refuse(
            _("核定时长须在 0 到 %(h)s 小时之间（签到签退记录）") % {"h": ceiling},
            f"verified hours must lie between 0 and {ceiling} (the checked time)",
            status=422,
        )
    return _move(
        service,
        (ServiceStatus.CHECKED_OUT,),
        ServiceStatus.VERIFIED,
        hours=hours,
        verified_by=actor,
        verified_at=timezone.now(),
    )


# --- reading ----------------------------------------------------------------------------


def activity_list(*, actor: Any) -> QuerySet[Activity]:
    if not has_perm(actor, ParticipationPermission.READ):
        return Activity.objects.none()
    return Activity.objects.visible_to(actor).select_related("community")


def my_volunteer(actor: Any) -> Volunteer | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    return Volunteer.objects.filter(user=actor).order_by("pk").first()


def hours_in_year(volunteer: Volunteer, year: int) -> list[Service]:
    return list(
        volunteer.services.filter(status=ServiceStatus.VERIFIED, checked_in_at__year=year)
        .select_related("activity", "activity__community")
        .order_by("checked_in_at")
    )


@dataclass
class MemberLine:
    volunteer: Volunteer
    by_community: dict[str, Decimal] = field(default_factory=dict)

    @property
    def best(self) -> tuple[str, Decimal]:
        if not self.by_community:
            return ("", Decimal(0))
        return max(self.by_community.items(), key=lambda kv: (kv[1], kv[0]))

    @property
    def total(self) -> Decimal:
        return sum(self.by_community.values(), Decimal(0))

    @property
    def complies(self) -> bool:
        return self.best[1] >= RULE_1116_HOURS


@dataclass
class UnitLine:
    unit: str
    members: list[MemberLine]

    @property
    def below(self) -> list[MemberLine]:
        return [m for m in self.members if not m.complies]


def report_1116(*, actor: Any, year: int) -> list[UnitLine]:
    """Per work unit, each party member's verified hours by community in ``year``."""
    members = Volunteer.objects.visible_to(actor).filter(kind=VolunteerKind.PARTY_MEMBER)
    lines = {v.pk: MemberLine(v) for v in members.order_by("work_unit", "name")}
    hours: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    services = Service.objects.filter(
        Q(volunteer_id__in=lines), status=ServiceStatus.VERIFIED, checked_in_at__year=year
    ).values_list("volunteer_id", "activity__community__name", "hours")
    for volunteer_id, community, h in services:
        hours[(volunteer_id, community)] += h
    for (volunteer_id, community), h in hours.items():
        lines[volunteer_id].by_community[community] = h
    units: dict[str, list[MemberLine]] = defaultdict(list)
    for line in lines.values():
        units[line.volunteer.work_unit].append(line)
    return [UnitLine(unit, members) for unit, members in sorted(units.items())]


def volunteer_self_register(*, actor: Any) -> Volunteer:
    """A resident registers themself as a volunteer of their own community."""
    if not has_perm(actor, ParticipationPermission.TAKE_PART) or actor.division is None:
        raise _refuse(_("您的角色不能登记为志愿者"), "your role may not register as a volunteer", status=403)
    existing = my_volunteer(actor)
    if existing is not None:
        return existing
    return Volunteer.objects.create(
        name=str(actor)[:64], kind=VolunteerKind.RESIDENT, community=actor.division, user=actor
    )


def service_of(*, actor: Any, pk: int) -> Service:
    """A service the actor may act on: the desk's area, or the volunteer's own."""
    from django.http import Http404

    services = Service.objects.select_related("activity", "volunteer")
    if has_perm(actor, ParticipationPermission.MANAGE):
        found = services.visible_to(actor).filter(pk=pk).first()
    else:
        found = services.filter(pk=pk, volunteer__user=actor).first() if actor.is_authenticated else None
    if found is None:
        raise Http404
    return found
