"""SLA clocks on the Chinese working calendar (法定节假日与调休).

Which days are working days comes from, in order: the office's own :class:`CalendarDay`
rows, then the ``chinesecalendar`` package (statutory holidays and make-up working days
as published by 国务院办公厅), and for a year neither knows, Monday to Friday — that
fallback is never silent: :func:`deadline_after` says so in its note, and the case page
shows it.

Working hours are ``settings.CASES_WORKING_HOURS`` (default 09:00–12:00 and
13:30–17:30, Asia/Shanghai). A deadline of *N working hours* counts only time inside
those periods on working days; *N working days* ends at the same clock time on the N-th
working day after the start (a start outside working hours counts from the next working
period's opening), as 12345 desks count "5 个工作日".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings

DEFAULT_PERIODS = ((dt.time(9, 0), dt.time(12, 0)), (dt.time(13, 30), dt.time(17, 30)))
_MAX_DAYS = 800  # no SLA looks further ahead than this


class UnknownCalendarYear(LookupError):
    """A year neither the office's calendar nor ``chinesecalendar`` covers."""


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _periods() -> tuple[tuple[dt.time, dt.time], ...]:
    raw = getattr(settings, "CASES_WORKING_HOURS", None)
    if not raw:
        return DEFAULT_PERIODS
    return tuple((dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in raw)


@lru_cache(maxsize=1)
def supported_years() -> tuple[int, int]:
    """First and last year ``chinesecalendar`` has official data for."""
    years = [d.year for d in chinese_calendar.holidays] + [d.year for d in chinese_calendar.workdays]
    return min(years), max(years)


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from shezhi.cases.models import CalendarDay

    return dict(CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_workday"))


@dataclass
class WorkCalendar:
    """Answers "is this a working day" for a span of dates, remembering guesses it made."""

    overrides: dict[dt.date, bool]
    guessed_years: set[int]

    @classmethod
    def around(cls, day: dt.date, until: dt.date | None = None) -> WorkCalendar:
        """The office's overrides from a week before ``day`` to the horizon after ``until``."""
        last = max(day, until or day)
        return cls(_overrides(day - dt.timedelta(days=7), last + dt.timedelta(days=_MAX_DAYS)), set())

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            self.guessed_years.add(day.year)
            return day.weekday() < 5

    def strict_is_workday(self, day: dt.date) -> bool:
        """Like :meth:`is_workday` but raises :class:`UnknownCalendarYear` instead of guessing."""
        if day in self.overrides:
            return self.overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError as exc:
            first, last = supported_years()
            raise UnknownCalendarYear(
                f"{day.year} 年的节假日安排尚未收录（chinesecalendar 支持 {first}–{last} 年），"
                f"请在“工作日历”中录入 / no holiday data for {day.year} "
                f"(chinesecalendar covers {first}–{last}); enter it under Work calendar"
            ) from exc

    @property
    def note(self) -> str:
        if not self.guessed_years:
            return ""
        years = "、".join(str(y) for y in sorted(self.guessed_years))
        return (
            f"{years} 年节假日未收录，暂按周一至周五计算 / no holiday data for {years}, counted Monday–Friday"
        )


@dataclass(frozen=True)
class Deadline:
    at: dt.datetime
    note: str = ""


def _local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the SLA clock")
    return moment.astimezone(_tz())


def _periods_of(day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    tz = _tz()
    return [(dt.datetime.combine(day, a, tz), dt.datetime.combine(day, b, tz)) for a, b in _periods()]


def add_working_hours(start: dt.datetime, hours: float, cal: WorkCalendar | None = None) -> Deadline:
    """``start`` plus ``hours`` of working time."""
    local = _local(start)
    cal = cal or WorkCalendar.around(local.date())
    remaining = dt.timedelta(hours=hours)
    day = local.date()
    for _ in range(_MAX_DAYS):
        if cal.is_workday(day):
            for begin, end in _periods_of(day):
                if end <= local:
                    continue
                begin = max(begin, local)
                if begin + remaining <= end:
                    return Deadline(begin + remaining, cal.note)
                remaining -= end - begin
        day += dt.timedelta(days=1)
    raise ValueError("SLA beyond the calendar horizon")


def next_working_moment(start: dt.datetime, cal: WorkCalendar | None = None) -> dt.datetime:
    """``start`` itself if inside working hours, else the opening of the next working period."""
    local = _local(start)
    cal = cal or WorkCalendar.around(local.date())
    day = local.date()
    for _ in range(_MAX_DAYS):
        if cal.is_workday(day):
            for begin, end in _periods_of(day):
                if local < end:
                    return max(begin, local)
        day += dt.timedelta(days=1)
    raise ValueError("no working day within the calendar horizon")


def add_working_days(start: dt.datetime, days: int, cal: WorkCalendar | None = None) -> Deadline:
    """The same clock time on the ``days``-th working day after ``start``'s working moment."""
    local = _local(start)
    cal = cal or WorkCalendar.around(local.date())
    begin = next_working_moment(local, cal)
    day = begin.date()
    counted = 0
    for _ in range(_MAX_DAYS):
        if counted == days:
            return Deadline(dt.datetime.combine(day, begin.timetz()), cal.note)
        day += dt.timedelta(days=1)
        if cal.is_workday(day):
            counted += 1
    raise ValueError("SLA beyond the calendar horizon")


def working_hours_between(start: dt.datetime, end: dt.datetime, cal: WorkCalendar | None = None) -> float:
    """Working hours elapsed from ``start`` to ``end`` (0 if ``end`` is not later)."""
    a, b = _local(start), _local(end)
    if b <= a:
        return 0.0
    cal = cal or WorkCalendar.around(a.date())
    total = dt.timedelta()
    day = a.date()
    while day <= b.date():
        if cal.is_workday(day):
            for begin, stop in _periods_of(day):
                lo, hi = max(begin, a), min(stop, b)
                if hi > lo:
                    total += hi - lo
        day += dt.timedelta(days=1)
    return total.total_seconds() / 3600


def response_deadline(start: dt.datetime, category: object, cal: WorkCalendar | None = None) -> Deadline:
    """When the unit must sign for a case of ``category`` dispatched at ``start``."""
    if getattr(category, "urgent", False):
        return Deadline(start + dt.timedelta(hours=1))
    return add_working_hours(start, getattr(category, "response_hours", 2) or 2, cal)


def handling_deadline(start: dt.datetime, category: object, cal: WorkCalendar | None = None) -> Deadline:
    """When a case of ``category`` accepted at ``start`` must be closed."""
    if getattr(category, "urgent", False):
        return Deadline(start + dt.timedelta(hours=getattr(category, "urgent_hours", 24) or 24))
    return add_working_days(start, getattr(category, "handle_days", 5) or 5, cal)


def warn_before() -> dt.timedelta:
    """How long before a deadline the scanner warns (``settings.CASES_SLA_WARN_HOURS``)."""
    return dt.timedelta(hours=float(getattr(settings, "CASES_SLA_WARN_HOURS", 4)))


def escalation_interval() -> float:
    """Working hours an overdue case waits before escalating one more level."""
    return float(getattr(settings, "CASES_ESCALATION_WORKING_HOURS", 7))
