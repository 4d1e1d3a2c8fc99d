"""Periodic work of elderly services, on the task backend; ``manage.py eldercare_clock`` enqueues it.

* ``certification_scan`` (hourly): 12345 requests by the person as signals, reminders,
  passive certification, overdue, suspension — every state change claimed by
  compare-and-swap, like the SLA scan;
* ``eligibility_roll`` (daily; the roll itself is monthly): entrants, moves, birthdays;
* ``checkpoint_publish`` (every few minutes): witnesses cosign the year's checkpoint; a
  past year is frozen.
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from shezhi.eldercare import publishing, services


@task()
def certification_scan() -> dict[str, int]:
    cases = services.case_signals()
    return {**services.deadline_scan().as_dict(), "case_signals": cases}


@task()
def eligibility_roll() -> dict[str, int]:
    report = services.eligibility_scan()
    return {"entered": len(report.entered), "exited": len(report.exited), "retiered": len(report.retiered)}


@task()
def checkpoint_publish() -> dict[str, int]:
    year = timezone.localdate().year
    published = publishing.publish_year(year, trigger="schedule")
    return {"year": year, "size": published.size if published else 0}
