"""Timeline event constructors: the only code that inserts :class:`CaseEvent` rows.

Each is called inside the service's ``transaction.atomic()`` so a state change and its
event row commit together or not at all.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from shezhi.accounts.models import User
from shezhi.cases.models import Case, CaseEvent, EventKind, Unit

SYSTEM = "系统 / system"


def _event(
    *,
    case: Case,
    kind: str,
    actor: User | None,
    actor_label: str = "",
    note: str = "",
    unit: Unit | None = None,
    action: str = "",
    from_state: str = "",
    to_state: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    if actor is None and not actor_label:
        actor_label = SYSTEM
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        actor_label=actor_label or (str(actor) if actor else ""),
        unit=unit,
        note=note,
        data=data or {},
        created_at=timezone.now(),
    )


def case_event_created(
    *, case: Case, actor: User | None, actor_label: str = "", to_state: str | None = None
) -> CaseEvent:
    return _event(
        case=case,
        kind=EventKind.CREATED,
        actor=actor,
        actor_label=actor_label,
        to_state=to_state or case.state,
        data={"channel": case.channel},
    )


def case_event_routed(*, case: Case, actor: User | None, note: str, unit: Unit | None) -> CaseEvent:
    return _event(
        case=case,
        kind=EventKind.ROUTED,
        actor=actor,
        note=note,
        unit=unit,
        data={"grid": case.grid.code if case.grid else None, "division": case.division.code},
    )


def case_event_triaged(*, case: Case, actor: User | None, note: str) -> CaseEvent:
    return _event(case=case, kind=EventKind.TRIAGED, actor=actor, note=note, to_state=case.state)


def case_event_transition(
    *,
    case: Case,
    actor: User | None,
    action: str,
    from_state: str,
    note: str = "",
    unit: Unit | None = None,
    data: dict[str, Any] | None = None,
    actor_label: str = "",
) -> CaseEvent:
    return _event(
        case=case,
        kind=EventKind.TRANSITION,
        actor=actor,
        actor_label=actor_label,
        action=action,
        from_state=from_state,
        to_state=case.state,
        note=note,
        unit=unit,
        data=data,
    )


def case_event_whistle(*, case: Case, actor: User, unit: Unit, task: str, due: str) -> CaseEvent:
    return _event(case=case, kind=EventKind.WHISTLE, actor=actor, unit=unit, note=task, data={"due": due})


def case_event_co_report(*, case: Case, actor: User, unit: Unit, report: str) -> CaseEvent:
    return _event(case=case, kind=EventKind.CO_REPORT, actor=actor, unit=unit, note=report)


def case_event_co_overdue(*, case: Case, unit: Unit, due: str) -> CaseEvent:
    return _event(
        case=case,
        kind=EventKind.CO_OVERDUE,
        actor=None,
        unit=unit,
        note=f"{unit.name}未在时限内反馈 / did not report by the deadline",
        data={"due": due},
    )


def case_event_extension_requested(*, case: Case, actor: User, days: int, reason: str) -> CaseEvent:
    return _event(
        case=case, kind=EventKind.EXTENSION_REQUESTED, actor=actor, note=reason, data={"days": days}
    )


def case_event_extension_decided(
    *, case: Case, actor: User, approved: bool, days: int, note: str, deadline: str | None
) -> CaseEvent:
    return _event(
        case=case,
        kind=EventKind.EXTENSION_DECIDED,
        actor=actor,
        note=note,
        data={"approved": approved, "days": days, "deadline": deadline},
    )


def case_event_sla_warning(*, case: Case, deadline: str) -> CaseEvent:
    return _event(case=case, kind=EventKind.SLA_WARNING, actor=None, data={"deadline": deadline})


def case_event_sla_overdue(*, case: Case, deadline: str) -> CaseEvent:
    return _event(case=case, kind=EventKind.SLA_OVERDUE, actor=None, data={"deadline": deadline})


def case_event_escalated(*, case: Case, level: int, to_division: str, to_name: str) -> CaseEvent:
    return _event(
        case=case,
        kind=EventKind.ESCALATED,
        actor=None,
        note=f"升级督办至{to_name} / escalated to {to_division}",
        data={"level": level, "division": to_division},
    )


def case_event_rated(*, case: Case, actor: User | None, actor_label: str = "") -> CaseEvent:
    return _event(
        case=case,
        kind=EventKind.RATED,
        actor=actor,
        actor_label=actor_label,
        note=case.satisfaction_comment,
        data={"satisfaction": case.satisfaction, **({"stars": case.rating} if case.rating else {})},
    )


def case_event_merged(*, case: Case, actor: User, into: Case) -> CaseEvent:
    return _event(
        case=case, kind=EventKind.MERGED, actor=actor, note=f"合并至 {into.code}", data={"into": into.code}
    )


def case_event_pii_read(*, case: Case, actor: User, fields: list[str]) -> CaseEvent:
    return _event(case=case, kind=EventKind.PII_READ, actor=actor, data={"fields": fields})


def case_event_published(*, case: Case, actor: User, public: bool) -> CaseEvent:
    return _event(
        case=case,
        kind=EventKind.NOTE,
        actor=actor,
        action="publish" if public else "unpublish",
        note="已公开 / published" if public else "已取消公开 / unpublished",
        data={"public": public},
    )
