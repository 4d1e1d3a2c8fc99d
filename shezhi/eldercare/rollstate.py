"""Replaying decisions into the allowance roll (高龄津贴发放名册), from any copy of the entries.

The same state machine reads the database's copies and the served log's tiles, so the
roll the community pays and the log the public checks can be compared entry by entry.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings

PAYABLE = "eligible"


@dataclass
class PersonState:
    area: str = ""
    status: str = ""  # eligible / suspended / exited
    tier: str = ""
    events: list[str] = field(default_factory=list)


def month_bounds(year: int, month: int) -> tuple[str, str]:
    """The month as UTC stamps [start, end) in the platform's time zone."""
    tz = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime(year, month, 1, tzinfo=tz)
    days = calendar.monthrange(year, month)[1]
    end = start + dt.timedelta(days=days)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return start.astimezone(dt.UTC).strftime(fmt), end.astimezone(dt.UTC).strftime(fmt)


def replay(entries: Iterable[bytes | dict], until: str) -> dict[str, PersonState]:
    """Each person's state after every entry before ``until`` (a UTC stamp), by commitment."""
    people: dict[str, PersonState] = {}
    for raw in entries:
        e = json.loads(raw) if isinstance(raw, bytes | bytearray | memoryview) else raw
        if isinstance(raw, memoryview):
            e = json.loads(bytes(raw))
        if e["time"] >= until:
            continue
        p = people.setdefault(e["person"], PersonState())
        p.area = e["area"]
        event, decision = e["event"], e.get("decision")
        if event == "eligibility" and decision == "enter":
            p.status, p.tier = "eligible", e["tier"]
        elif event == "eligibility" and decision == "tier":
            p.tier = e["tier"]
        elif event == "eligibility" and decision == "exit":
            p.status = "exited"
        elif event == "suspension":
            p.status = "suspended"
        elif event == "reinstatement":
            p.status = "eligible"
        p.events.append(event if not decision else f"{event}:{decision}")
    return people


@dataclass
class MonthChanges:
    entered: set[str] = field(default_factory=set)
    exited: set[str] = field(default_factory=set)
    suspended: set[str] = field(default_factory=set)
    reinstated: set[str] = field(default_factory=set)


def changes(entries: Iterable[bytes | dict], start: str, end: str) -> MonthChanges:
    out = MonthChanges()
    for raw in entries:
        e = json.loads(bytes(raw)) if not isinstance(raw, dict) else raw
        if not start <= e["time"] < end:
            continue
        kind = (e["event"], e.get("decision"))
        if kind == ("eligibility", "enter"):
            out.entered.add(e["person"])
        elif kind == ("eligibility", "exit"):
            out.exited.add(e["person"])
        elif e["event"] == "suspension":
            out.suspended.add(e["person"])
        elif e["event"] == "reinstatement":
            out.reinstated.add(e["person"])
    return out


def payable(states: dict[str, PersonState], area_prefix: str = "") -> dict[str, str]:
    """commitment → tier of everyone payable at the end of the replay, in the area."""
    return {c: s.tier for c, s in states.items() if s.status == PAYABLE and s.area.startswith(area_prefix)}
