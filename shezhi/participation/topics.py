"""Deliberation (议事协商, 四事四共): topics, stages, comments, official answers, accountability.

Reads go through the selectors at the bottom, which start from ``visible_to`` and, for
residents and partners, keep compound topics to the compounds where they own a unit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.roles import STAFF_ROLES, DivisionLevel, Role
from shezhi.common.errors import AppError
from shezhi.participation.models import (
    DEFAULT_STAGES,
    Comment,
    Origin,
    Owner,
    ScopeLevel,
    Stage,
    Topic,
    Vote,
)
from shezhi.participation.permissions import ParticipationPermission, has_perm
from shezhi.places.models import Compound, Division


class TopicRefused(AppError):
    pass


def _refuse(
    zh: Any, en: str, *, status: int = 422, code: str = "invalid", field: str | None = None
) -> TopicRefused:
    from shezhi.common.errors import Problem

    problems = [Problem(code, str(zh), en, field)] if field else []
    return TopicRefused(zh, en, status=status, code=code, problems=problems)


def my_compound_ids(user: Any) -> list[int]:
    """Compounds where this user owns (or co-owns) a unit."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Owner.objects.filter(user=user).values_list("compound_id", flat=True).distinct())


def _is_public_role(user: Any) -> bool:
    return not user.is_superuser and Role(user.role) not in STAFF_ROLES


# --- selectors ------------------------------------------------------------------------


def topic_list(*, actor: Any) -> QuerySet[Topic]:
    """Topics this user may read: their area's; residents only their own compounds'."""
    if not has_perm(actor, ParticipationPermission.READ):
        return Topic.objects.none()
    topics = Topic.objects.visible_to(actor)
    if _is_public_role(actor):
        topics = topics.filter(
            ~Q(scope_level=ScopeLevel.COMPOUND) | Q(compound_id__in=my_compound_ids(actor))
        )
    return topics.select_related("compound", "division", "case")


def topic_get(*, actor: Any, pk: int) -> Topic:
    try:
        return topic_list(actor=actor).get(pk=pk)
    except (Topic.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def vote_list(*, actor: Any) -> QuerySet[Vote]:
    return (
        Vote.objects.visible_to(actor)
        .filter(topic__in=topic_list(actor=actor))
        .select_related("topic", "rule_set", "compound")
    )


def vote_get(*, actor: Any, pk: int) -> Vote:
    try:
        return vote_list(actor=actor).get(pk=pk)
    except (Vote.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def compounds_for_topics(*, actor: Any) -> QuerySet[Compound]:
    """Compounds in which this user may raise a topic."""
    if has_perm(actor, ParticipationPermission.MANAGE):
        return Compound.objects.visible_to(actor).order_by("name")
    return Compound.objects.filter(pk__in=my_compound_ids(actor)).order_by("name")


# --- services -------------------------------------------------------------------------


@transaction.atomic
def topic_raise(
    *,
    actor: Any,
    title: str,
    body: str,
    compound: Compound | None = None,
    division: Division | None = None,
    origin: str | None = None,
    synthetic: bool = False,
) -> Topic:
    """提事: a resident raises a topic in their compound; the desk in any compound or division."""
    manager = has_perm(actor, ParticipationPermission.MANAGE)
    if not manager and not has_perm(actor, ParticipationPermission.TAKE_PART):
        raise _refuse(
            _("您的角色不能提出议题"), "your role may not raise topics", status=403, code="forbidden"
        )
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > 120:
        raise _refuse(_("议题须填写，且不超过 120 字"), "a title of 1–120 characters", field="title")
    if not body or len(body) > 4000:
        raise _refuse(_("内容须填写，且不超过 4000 字"), "a text of 1–4000 characters", field="body")
    if compound is not None:
        if not compounds_for_topics(actor=actor).filter(pk=compound.pk).exists():
            raise _refuse(
                _("只能在本人所在小区提出议题"),
                "only in a compound of your own",
                field="compound",
                status=403,
            )
        level, division = ScopeLevel.COMPOUND, compound.community
    elif division is not None and manager:
        if not Division.objects.visible_to(actor).filter(pk=division.pk).exists():
            raise Http404
        if division.level not in (DivisionLevel.COMMUNITY, DivisionLevel.STREET):
            raise _refuse(
                _("议题范围须为社区或街道"), "a topic covers a community or a street", field="division"
            )
        level = ScopeLevel.COMMUNITY if division.level == DivisionLevel.COMMUNITY else ScopeLevel.STREET
    else:
        raise _refuse(_("请选择小区"), "choose a compound", field="compound")
    if origin is None or not manager:
        origin = Origin.COMMITTEE if manager else Origin.RESIDENT
    topic = Topic.objects.create(
        title=title,
        body=body,
        origin=origin,
        scope_level=level,
        compound=compound,
        division=division,
        grid=compound.grid if compound else None,
        raised_by=actor,
        synthetic=synthetic,
    )
    today = timezone.localdate()
    with translation.override("zh-hans"):
        Stage.objects.bulk_create(
            Stage(topic=topic, order=n, code=code, name=str(name), starts_on=today if n == 1 else None)
            for n, (code, name) in enumerate(DEFAULT_STAGES, start=1)
        )
    return topic


def _require_manager(actor: Any) -> None:
    if not has_perm(actor, ParticipationPermission.MANAGE):
        raise _refuse(
            _("仅居委会（议事会）可执行此操作"),
            "only the residents' committee may do this",
            status=403,
            code="forbidden",
        )


@transaction.atomic
def topic_advance(*, topic: Topic, actor: Any, minutes: str = "") -> Stage:
    """Close the current stage (with its minutes) and start the next one."""
    _require_manager(actor)
    stages = list(topic.stages.select_for_update().order_by("order"))
    current = next((s for s in stages if s.code == topic.stage), None)
    if current is None or current.order == len(stages):
        raise _refuse(_("已是最后一个阶段"), "this is the last stage", status=409, code="last_stage")
    now = timezone.now()
    current.completed_at = now
    current.ends_on = current.ends_on or timezone.localdate()
    if minutes.strip():
        current.minutes = (current.minutes + "\n" + minutes.strip()).strip()[:8000]
    current.save(update_fields=["completed_at", "ends_on", "minutes"])
    following = stages[current.order]
    following.starts_on = following.starts_on or timezone.localdate()
    following.save(update_fields=["starts_on"])
    if not Topic.objects.filter(pk=topic.pk, stage=current.code).update(stage=following.code):
        raise _refuse(_("阶段已被他人推进，请刷新"), "someone else moved the stage on; reload", status=409)
    topic.stage = following.code
    return following


def stage_update(
    *, topic: Topic, actor: Any, code: str, starts_on: dt.date | None, ends_on: dt.date | None, minutes: str
) -> Stage:
    """Set a stage's dates and minutes (会议纪要)."""
    _require_manager(actor)
    stage = topic.stages.filter(code=code).first()
    if stage is None:
        raise _refuse(_("没有这个阶段"), "no such stage", field="code")
    if starts_on and ends_on and ends_on < starts_on:
        raise _refuse(_("结束日期不能早于开始日期"), "the end date is before the start date", field="ends_on")
    if len(minutes) > 8000:
        raise _refuse(_("纪要不超过 8000 字"), "minutes of at most 8000 characters", field="minutes")
    stage.starts_on, stage.ends_on, stage.minutes = starts_on, ends_on, minutes.strip()
    stage.save(update_fields=["starts_on", "ends_on", "minutes"])
    return stage


def comment_add(*, topic: Topic, actor: Any, body: str, official: bool = False) -> Comment:
    """议事 comment by a resident, or the committee's official answer (官方答复)."""
    if official:
        _require_manager(actor)
    elif not (
        has_perm(actor, ParticipationPermission.TAKE_PART) or has_perm(actor, ParticipationPermission.MANAGE)
    ):
        raise _refuse(_("您的角色不能发言"), "your role may not comment", status=403, code="forbidden")
    body = (body or "").strip()
    if not body or len(body) > 2000:
        raise _refuse(_("内容须填写，且不超过 2000 字"), "a text of 1–2000 characters", field="body")
    if (
        topic.stage == DEFAULT_STAGES[-1][0]
        and topic.stages.filter(code=topic.stage, completed_at__isnull=False).exists()
    ):
        raise _refuse(_("议题已办结，不再接受发言"), "the topic is finished", status=409)
    comment = Comment.objects.create(
        topic=topic, author=actor, stage=topic.stage, body=body, official=official
    )
    if official and topic.raised_by_id and topic.raised_by_id != actor.pk:
        from django.urls import reverse

        from shezhi.participation.notify import notify

        notify(
            [topic.raised_by],
            kind="answer",
            title=f"议题答复：{topic.title}",
            url=reverse("participation:topic", args=[topic.pk]),
        )
    return comment


def topic_link_case(*, topic: Topic, actor: Any, case_code: str) -> Topic:
    """办事: the case (工单) that carries the decision out; its progress is shown on the topic."""
    from shezhi.cases.models import Case

    _require_manager(actor)
    case = Case.objects.visible_to(actor).filter(code=(case_code or "").strip()).first()
    if case is None:
        raise _refuse(_("辖区内没有这个工单编号"), "no case with this number in your area", field="case_code")
    Topic.objects.filter(pk=topic.pk).update(case=case)
    topic.case = case
    return topic


def case_progress(topic: Topic) -> dict[str, Any] | None:
    """What residents see of the linked case: its number, state and last update, no personal data."""
    case = topic.case
    if case is None:
        return None
    from shezhi.cases.workflow import FINISHED_STATES

    events = case.events.order_by("created_at", "id")
    return {
        "code": case.code,
        "state": case.get_state_display(),
        "finished": case.state in FINISHED_STATES,
        "steps": [{"at": e.created_at, "what": e.get_kind_display()} for e in events],
    }
