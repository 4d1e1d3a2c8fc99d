"""SLA deadlines on the Chinese calendar, frozen in time: Golden Week and make-up working days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from shezhi.cases import sla
from shezhi.cases.models import CalendarDay, Category
from shezhi.cases.services import case_transition
from shezhi.cases.tests.helpers import report

TZ = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


# 2025 schedule (国办发明电〔2024〕12号): 10月1日至8日放假，9月28日（周日）、10月11日（周六）上班.
@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (1, at(2025, 9, 28, 15, 0)),  # Sunday, a make-up working day
        (3, at(2025, 9, 30, 15, 0)),
        (4, at(2025, 10, 9, 15, 0)),  # after the eight-day holiday
        (5, at(2025, 10, 10, 15, 0)),
        (6, at(2025, 10, 11, 15, 0)),  # Saturday, the second make-up working day
        (7, at(2025, 10, 13, 15, 0)),
    ],
)
def test_working_days_from_the_friday_before_golden_week(db, days, expected):
    friday = at(2025, 9, 26, 15, 0)
    assert sla.add_working_days(friday, days).at == expected


def test_working_hours_skip_the_weekend_but_count_the_make_up_sunday(db):
    # Friday 16:30 + 2 working hours: 1 h on Friday, then Sunday 28 September from 09:00.
    assert sla.add_working_hours(at(2025, 9, 26, 16, 30), 2).at == at(2025, 9, 28, 10, 0)
    # Tuesday 30 September 17:00 + 1 h: the next working hour is Thursday 9 October.
    assert sla.add_working_hours(at(2025, 9, 30, 17, 0), 1).at == at(2025, 10, 9, 9, 30)
    # The lunch break does not count.
    assert sla.add_working_hours(at(2025, 9, 29, 11, 30), 1).at == at(2025, 9, 29, 14, 0)


def test_a_case_opened_on_the_friday_before_the_holiday_gets_its_deadline_after_it(world, time_machine):
    time_machine.move_to(at(2025, 9, 26, 16, 30), tick=False)
    case = report(world.alice, world.grid_a, code="ZF01")  # 5 working days
    assert case.handling_due == at(2025, 10, 10, 16, 30)
    # Dispatched at 16:30 Friday, the 2-hour response window ends Sunday (make-up day) 10:00.
    assert case.response_due == at(2025, 9, 28, 10, 0)
    assert case.deadline == case.response_due
    time_machine.move_to(at(2025, 9, 28, 9, 0), tick=False)
    case = case_transition(case=case, action="sign", actor=world.alice)
    assert case.deadline == at(2025, 10, 10, 16, 30)
    assert case.deadline_note == ""


def test_an_urgent_category_counts_natural_hours(world, time_machine):
    time_machine.move_to(at(2025, 9, 30, 20, 0), tick=False)
    case = report(world.alice, world.grid_a, code="ZF02", text="消防通道被堵死")
    assert Category.objects.get(code="ZF02").urgent
    assert case.handling_due == at(2025, 10, 1, 20, 0)
    assert case.response_due == at(2025, 9, 30, 21, 0)


def test_a_year_the_package_does_not_know_is_counted_monday_to_friday_and_says_so(db):
    first, last = sla.supported_years()
    year = last + 1
    monday = dt.datetime.combine(dt.date(year, 1, 1), dt.time(10, 0), TZ)
    while monday.weekday() != 0:
        monday += dt.timedelta(days=1)
    due = sla.add_working_days(monday, 5)
    assert due.at == monday + dt.timedelta(days=7)
    assert str(year) in due.note
    assert "周一至周五" in due.note
    with pytest.raises(sla.UnknownCalendarYear, match=str(year)):
        sla.WorkCalendar.around(monday.date()).strict_is_workday(monday.date())


def test_the_offices_own_calendar_overrides_and_fills_unknown_years(db):
    first, last = sla.supported_years()
    year = last + 1
    monday = dt.datetime.combine(dt.date(year, 1, 1), dt.time(10, 0), TZ)
    while monday.weekday() != 0:
        monday += dt.timedelta(days=1)
    CalendarDay.objects.create(date=(monday + dt.timedelta(days=1)).date(), is_workday=False, name="测试假日")
    CalendarDay.objects.create(date=(monday + dt.timedelta(days=5)).date(), is_workday=True, name="调休上班")
    due = sla.add_working_days(monday, 2)
    # Tuesday is off, Wednesday counts 1, Thursday 2.
    assert due.at == monday + dt.timedelta(days=3)
    due = sla.add_working_days(monday, 4)
    assert due.at == monday + dt.timedelta(days=5)  # the Saturday entered as a working day


def test_naive_datetimes_are_refused(db):
    with pytest.raises(ValueError, match="naive"):
        sla.add_working_hours(dt.datetime(2025, 9, 26, 15, 0), 1)  # noqa: DTZ001 - the point of the test


def test_working_hours_between_counts_only_office_time(db):
    assert sla.working_hours_between(at(2025, 9, 26, 9, 0), at(2025, 9, 29, 9, 0)) == 14  # Fri + make-up Sun
    assert sla.working_hours_between(at(2025, 9, 30, 17, 30), at(2025, 10, 9, 9, 0)) == 0
