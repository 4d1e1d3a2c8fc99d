"""Opportunity lists (机会清单): publish → apply → review (conflict declaration) → award → progress.

Every state change writes an :class:`OpportunityEvent` with its actor in the same
transaction; status changes are compare-and-swap updates. Scores are visible only after award.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shezhi.common.errors import AppError
from shezhi.participation.models import (
    Application,
    Opportunity,
    OpportunityEvent,
    OpportunityStatus,
    OrganisationMember,
    ProgressReport,
    Review,
)
from shezhi.participation.permissions import ParticipationPermission, has_perm

S = OpportunityStatus


class OpportunityRefused(AppError):
    pass


def _refuse(zh: Any, en: str, *, status: int = 409, code: str = "opportunity_refused") -> OpportunityRefused:
    return OpportunityRefused(zh, en, status=status, code=code)


def _event(opportunity: Opportunity, kind: str, actor: Any, note: str = "") -> None:
    OpportunityEvent.objects.create(opportunity=opportunity, kind=kind, actor=actor, note=note[:300])


def _require_manager(actor: Any) -> None:
    if not has_perm(actor, ParticipationPermission.MANAGE):
        raise _refuse(
            _("仅发布单位可执行此操作"),
            "only the publishing office may do this",
            status=403,
            code="forbidden",
        )


def _move(opportunity: Opportunity, frm: str, to: str, **fields: Any) -> None:
    if not Opportunity.objects.filter(pk=opportunity.pk, status=frm).update(status=to, **fields):
        raise _refuse(_("当前状态不能执行此操作"), f"not possible in state {opportunity.status}")
    opportunity.refresh_from_db()


def clean_criteria(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names, out = set(), []
    for item in raw:
        name = str(item.get("name", "")).strip()
        weight = item.get("weight")
        if (
            not name
            or len(name) > 40
            or name in names
            or not isinstance(weight, int)
            or not 1 <= weight <= 100
        ):
            raise _refuse(
                _("评审标准须有不重复的名称和 1–100 的权重"),
                "criteria need unique names and weights 1–100",
                status=422,
            )
        names.add(name)
        out.append({"name": name, "weight": weight})
    if not out or sum(c["weight"] for c in out) != 100:
        raise _refuse(_("评审标准权重合计须为 100"), "criterion weights must add up to 100", status=422)
    return out


@transaction.atomic
def opportunity_create(
    *,
    actor: Any,
    title: str,
    kind: str,
    description: str,
    budget: Decimal,
    deadline: dt.datetime,
    criteria: list[dict[str, Any]],
    synthetic: bool = False,
) -> Opportunity:
    _require_manager(actor)
    if deadline <= timezone.now():
        raise _refuse(_("申报截止时间须晚于现在"), "the deadline must be in the future", status=422)
    if budget < 0:
        raise _refuse(_("预算不能为负"), "the budget cannot be negative", status=422)
    opportunity = Opportunity.objects.create(
        title=title.strip()[:120],
        kind=kind,
        description=description.strip()[:4000],
        budget=budget,
        deadline=deadline,
        criteria=clean_criteria(criteria),
        division=actor.division,
        created_by=actor,
        synthetic=synthetic,
    )
    _event(opportunity, "created", actor)
    return opportunity


@transaction.atomic
def opportunity_publish(*, opportunity: Opportunity, actor: Any) -> Opportunity:
    _require_manager(actor)
    if opportunity.deadline <= timezone.now():
        raise _refuse(_("申报截止时间已过，不能发布"), "the deadline has passed")
    _move(opportunity, S.DRAFT, S.PUBLISHED)
    _event(opportunity, "published", actor)
    return opportunity


def organisations_of(user: Any) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(OrganisationMember.objects.filter(user=user).values_list("organisation_id", flat=True))


@transaction.atomic
def application_submit(
    *, opportunity: Opportunity, actor: Any, organisation_id: int, proposal: str, budget: Decimal
) -> Application:
    if organisation_id not in organisations_of(actor):
        raise _refuse(
            _("您不是该组织的登记账号"), "you do not act for this organisation", status=403, code="forbidden"
        )
    if opportunity.status != S.PUBLISHED:
        raise _refuse(_("该机会不在征集期"), "this opportunity is not open for applications")
    if timezone.now() >= opportunity.deadline:
        raise _refuse(
            _("已过申报截止时间，不再受理"),
            "the deadline has passed; no more applications",
            code="deadline_passed",
        )
    if not proposal.strip() or len(proposal) > 4000:
        raise _refuse(_("方案须填写，且不超过 4000 字"), "a proposal of 1–4000 characters", status=422)
    if budget < 0 or budget > opportunity.budget:
        raise _refuse(_("报价须在 0 与预算之间"), "the price lies between 0 and the budget", status=422)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                opportunity=opportunity,
                organisation_id=organisation_id,
                submitted_by=actor,
                proposal=proposal.strip(),
                budget=budget,
            )
    except IntegrityError:
        raise _refuse(_("该组织已申报，不能重复申报"), "this organisation has already applied") from None
    _event(opportunity, "applied", actor, application.organisation.name)
    return application


@transaction.atomic
def review_start(*, opportunity: Opportunity, actor: Any) -> Opportunity:
    _require_manager(actor)
    if timezone.now() < opportunity.deadline:
        raise _refuse(_("申报截止前不能开始评审"), "review starts after the deadline")
    _move(opportunity, S.PUBLISHED, S.REVIEWING)
    _event(opportunity, "review_started", actor)
    return opportunity


@transaction.atomic
def review_submit(
    *,
    application: Application,
    actor: Any,
    conflict: bool,
    conflict_note: str = "",
    scores: dict[str, Any] | None = None,
) -> Review:
    """A panel member declares interests first; with a conflict they recuse and give no scores."""
    _require_manager(actor)
    opportunity = application.opportunity
    if opportunity.status != S.REVIEWING:
        raise _refuse(_("该机会不在评审阶段"), "this opportunity is not under review")
    names = [c["name"] for c in opportunity.criteria]
    clean: dict[str, int] = {}
    if not conflict:
        scores = scores or {}
        if set(scores) != set(names):
            raise _refuse(
                _("须对每项公布的标准评分"), "score every published criterion, and only those", status=422
            )
        for name in names:
            value = scores[name]
            if not isinstance(value, int) or not 0 <= value <= 100:
                raise _refuse(_("评分须为 0–100 的整数"), "scores are whole numbers 0–100", status=422)
            clean[name] = value
    try:
        with transaction.atomic():
            review = Review.objects.create(
                application=application,
                reviewer=actor,
                conflict=conflict,
                conflict_note=conflict_note[:200],
                scores=clean,
            )
    except IntegrityError:
        raise _refuse(_("您已评审过该申报"), "you have already reviewed this application") from None
    _event(opportunity, "recused" if conflict else "reviewed", actor, application.organisation.name)
    return review


def weighted_score(application: Application) -> Decimal | None:
    """The mean over non-recused reviewers of Σ weight × score / 100."""
    weights = {c["name"]: c["weight"] for c in application.opportunity.criteria}
    totals = [
        sum(Decimal(weights[n]) * Decimal(s) for n, s in r.scores.items()) / 100
        for r in application.reviews.filter(conflict=False)
    ]
    return (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01")) if totals else None


@transaction.atomic
def award(*, opportunity: Opportunity, actor: Any, application: Application, note: str = "") -> Opportunity:
    _require_manager(actor)
    if application.opportunity_id != opportunity.pk:
        raise _refuse(_("该申报不属于本机会"), "the application is not for this opportunity", status=422)
    if weighted_score(application) is None:
        raise _refuse(_("该申报尚无有效评分"), "the application has no valid scores yet")
    _move(opportunity, S.REVIEWING, S.AWARDED, awarded=application)
    _event(opportunity, "awarded", actor, f"{application.organisation.name} {note}".strip())
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from shezhi.participation.notify import notify

    applicants = get_user_model().objects.filter(
        pk__in=opportunity.applications.exclude(submitted_by=None).values("submitted_by")
    )
    notify(
        applicants,
        kind="award",
        title=f"机会清单结果：{opportunity.title}",
        url=reverse("participation:opportunity", args=[opportunity.pk]),
    )
    return opportunity


@transaction.atomic
def progress_report(*, opportunity: Opportunity, actor: Any, percent: int, body: str) -> ProgressReport:
    application = opportunity.awarded
    if opportunity.status != S.AWARDED or application is None:
        raise _refuse(_("尚未确定承接方"), "no award yet")
    if application.organisation_id not in organisations_of(actor) and not has_perm(
        actor, ParticipationPermission.MANAGE
    ):
        raise _refuse(
            _("仅承接方或发布单位可报告进展"),
            "only the awardee or the office reports progress",
            status=403,
            code="forbidden",
        )
    last = application.progress.order_by("-created_at").first()
    if not 0 <= percent <= 100 or (last is not None and percent < last.percent):
        raise _refuse(
            _("进度须在 0–100 之间且不能倒退"), "progress lies in 0–100 and never goes back", status=422
        )
    if not body.strip():
        raise _refuse(_("请填写进展"), "describe the progress", status=422)
    report = ProgressReport.objects.create(
        application=application, author=actor, percent=percent, body=body.strip()[:4000]
    )
    _event(opportunity, "progress", actor, f"{percent}%")
    return report


def opportunity_list(*, actor: Any) -> QuerySet[Opportunity]:
    """Published items of one's area (drafts only for the desk)."""
    if not has_perm(actor, ParticipationPermission.READ):
        return Opportunity.objects.none()
    items = Opportunity.objects.visible_to(actor).select_related("division", "awarded__organisation")
    if not has_perm(actor, ParticipationPermission.MANAGE):
        items = items.exclude(status=S.DRAFT)
    return items


def opportunity_get(*, actor: Any, pk: int) -> Opportunity:
    try:
        return opportunity_list(actor=actor).get(pk=pk)
    except (Opportunity.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
