"""The case workflow as data: states, transitions and their guards.

受理 → 派单 → 签收 → 办理 → 回单 → 审核 → 办结 → 回访, with 退回 (return), 改派
(reassign), 撤回 (withdraw), 挂起/恢复 (suspend/resume the clock), 合并 (merge) and
重新办理 (reopen after 不满意). A transition names the states it leaves from, the state it
goes to, the roles that may take it and what it needs (a note, a unit). Services look a
transition up here, check it with :func:`check`, and write the state change and its event
row in one transaction; nothing else changes a case's state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.roles import Role
from shezhi.common.errors import AppError, Problem


class State(models.TextChoices):
    TRIAGE = "triage", _("待分拨")
    ACCEPTED = "accepted", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    SIGNED = "signed", _("已签收")
    IN_PROGRESS = "in_progress", _("办理中")
    REPLIED = "replied", _("已回单待审核")
    CLOSED = "closed", _("已办结")
    VISITED = "visited", _("已回访")
    SUSPENDED = "suspended", _("已挂起")
    WITHDRAWN = "withdrawn", _("已撤回")
    MERGED = "merged", _("已合并")


#: States in which the case is still being handled (the SLA clock may run).
OPEN_STATES = frozenset(
    {State.TRIAGE, State.ACCEPTED, State.DISPATCHED, State.SIGNED, State.IN_PROGRESS, State.REPLIED}
)
#: States after which nothing is handled any more (Open311 "closed").
FINISHED_STATES = frozenset({State.CLOSED, State.VISITED, State.WITHDRAWN, State.MERGED})
#: States whose SLA clock runs; a suspended case keeps its deadline frozen.
CLOCK_STATES = frozenset({State.ACCEPTED, State.DISPATCHED, State.SIGNED, State.IN_PROGRESS})

_DESK = frozenset({Role.CITY_ADMIN, Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.COMMUNITY_WORKER})
_HANDLERS = _DESK | {Role.GRID_WORKER}
_SUPERVISORS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_STAFF, Role.STREET_STAFF})


@dataclass(frozen=True)
class Transition:
    """One allowed move of a case (流转动作)."""

    name: str
    label: Any
    sources: frozenset[State]
    target: State | None  # None: back to the state held before (resume)
    roles: frozenset[Role]
    needs_note: bool = False
    needs_unit: bool = False
    #: Taken only by a service as part of another step (自行处置 at intake), never offered as a button.
    internal: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def _t(
    name: str,
    label: Any,
    sources: set[State],
    target: State | None,
    roles: frozenset[Role],
    **kwargs: bool,
) -> Transition:
    return Transition(name, label, frozenset(sources), target, roles, **kwargs)


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t("route", _("分拨"), {State.TRIAGE}, State.ACCEPTED, _DESK, needs_unit=False),
        _t("dispatch", _("派单"), {State.ACCEPTED}, State.DISPATCHED, _DESK, needs_unit=True),
        _t("sign", _("签收"), {State.DISPATCHED}, State.SIGNED, _HANDLERS),
        _t("start", _("开始办理"), {State.SIGNED}, State.IN_PROGRESS, _HANDLERS),
        _t("reply", _("回单"), {State.SIGNED, State.IN_PROGRESS}, State.REPLIED, _HANDLERS, needs_note=True),
        _t("approve", _("审核通过（办结）"), {State.REPLIED}, State.CLOSED, _DESK),
        _t("reject", _("审核不通过"), {State.REPLIED}, State.IN_PROGRESS, _DESK, needs_note=True),
        _t(
            "return",
            _("退回"),
            {State.DISPATCHED, State.SIGNED},
            State.ACCEPTED,
            _HANDLERS,
            needs_note=True,
        ),
        _t(
            "reassign",
            _("改派"),
            {State.DISPATCHED, State.SIGNED, State.IN_PROGRESS},
            State.DISPATCHED,
            _DESK,
            needs_note=True,
            needs_unit=True,
        ),
        _t(
            "withdraw",
            _("撤回"),
            {State.TRIAGE, State.ACCEPTED, State.DISPATCHED, State.SIGNED, State.IN_PROGRESS},
            State.WITHDRAWN,
            _DESK,
            needs_note=True,
        ),
        _t(
            "suspend",
            _("挂起"),
            {State.SIGNED, State.IN_PROGRESS},
            State.SUSPENDED,
            _SUPERVISORS | {Role.COMMUNITY_WORKER},
            needs_note=True,
        ),
        _t("resume", _("恢复办理"), {State.SUSPENDED}, None, _SUPERVISORS | {Role.COMMUNITY_WORKER}),
        _t("visit", _("回访"), {State.CLOSED}, State.VISITED, _HANDLERS),
        _t("reopen", _("重新办理"), {State.VISITED}, State.IN_PROGRESS, _DESK, needs_note=True),
        _t(
            "merge",
            _("合并为重复件"),
            {State.TRIAGE, State.ACCEPTED, State.DISPATCHED, State.SIGNED},
            State.MERGED,
            _DESK,
        ),
        # 自行处置: a grid worker reports what they fixed on patrol and closes it at once.
        _t(
            "self_close",
            _("自行处置"),
            {State.TRIAGE, State.ACCEPTED, State.DISPATCHED},
            State.CLOSED,
            frozenset({Role.GRID_WORKER}),
            needs_note=True,
            internal=True,
        ),
    ]
}


class WorkflowError(AppError):
    """A transition that is not allowed; nothing was changed."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.zh, problem.en, status=400, code=problem.code, problems=[problem])


def _zh(label: Any) -> str:
    """A lazy label in Chinese: a Problem's ``zh`` is Chinese whatever the request's language."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(label)


def state_label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state


def check(transition: Transition, *, state: str, role: str, note: str = "", unit: object = None) -> None:
    """Raise :class:`WorkflowError` unless ``transition`` may be taken now by ``role``."""
    if state not in transition.sources:
        shown = _zh(State(state).label) if state in State.values else state
        raise WorkflowError(
            Problem(
                "illegal_transition",
                f"当前状态“{shown}”不能执行“{_zh(transition.label)}”",
                f"cannot {transition.name} a case in state {state}",
                "state",
            )
        )
    if role not in transition.roles:
        raise WorkflowError(
            Problem(
                "forbidden_transition",
                f"您的角色不能执行“{_zh(transition.label)}”",
                f"your role may not {transition.name} a case",
                "actor",
            )
        )
    if transition.needs_note and not note.strip():
        raise WorkflowError(
            Problem(
                "note_required",
                f"“{_zh(transition.label)}”必须填写说明或理由",
                f"{transition.name} needs a note or reason",
                "note",
            )
        )
    if transition.needs_unit and unit is None:
        raise WorkflowError(
            Problem(
                "unit_required",
                f"“{_zh(transition.label)}”必须指定承办单位",
                f"{transition.name} needs a handling unit",
                "unit",
            )
        )


def available(*, state: str, role: str) -> list[Transition]:
    """Transitions this role may take from this state (for the case page's buttons)."""
    return [t for t in TRANSITIONS.values() if state in t.sources and role in t.roles and not t.internal]
