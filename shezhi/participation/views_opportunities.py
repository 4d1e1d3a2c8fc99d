"""Pages of opportunity lists (机会清单): the public list, one item with its timeline, and actions."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shezhi.common.errors import AppError
from shezhi.participation import opportunities as op
from shezhi.participation.models import OpportunityKind, OpportunityStatus
from shezhi.participation.permissions import ParticipationPermission as P
from shezhi.participation.permissions import has_perm
from shezhi.people.models import Organisation


def _decimal(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except (InvalidOperation, ValueError):
        raise AppError(_("金额须为数字"), "amounts are numbers", status=422) from None
    if not value.is_finite():
        raise AppError(_("金额须为数字"), "amounts are numbers", status=422)
    return value


def _criteria(text: str) -> list[dict[str, Any]]:
    """``方案可行性:60`` one per line."""
    out = []
    for line in text.splitlines():
        name, _sep, weight = line.strip().rpartition(":")
        if not line.strip():
            continue
        out.append({"name": name.strip(), "weight": int(weight) if weight.strip().isdigit() else 0})
    return out


@login_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_perm(user, P.READ):
        raise PermissionDenied
    manager = has_perm(user, P.MANAGE)
    error = None
    if request.method == "POST":
        if not manager:
            raise PermissionDenied
        from django.utils import timezone
        from django.utils.dateparse import parse_datetime

        try:
            try:
                deadline = parse_datetime(request.POST.get("deadline", ""))
            except ValueError:
                deadline = None
            if deadline is None:
                raise AppError(_("请填写申报截止时间"), "enter the deadline", status=422)
            if timezone.is_naive(deadline):
                deadline = timezone.make_aware(deadline)
            kind = request.POST.get("kind", "")
            if kind not in OpportunityKind.values:
                raise AppError(_("类别无效"), "unknown kind", status=422)
            title = request.POST.get("title", "").strip()
            if not title or len(title) > 120:
                raise AppError(_("名称须填写，且不超过 120 字"), "a title of 1–120 characters", status=422)
            item = op.opportunity_create(
                actor=user,
                title=title,
                kind=kind,
                description=request.POST.get("description", ""),
                budget=_decimal(request.POST.get("budget", "")),
                deadline=deadline,
                criteria=_criteria(request.POST.get("criteria", "")),
            )
        except AppError as exc:
            error = exc
        else:
            return redirect("participation:opportunity", pk=item.pk)
    items = op.opportunity_list(actor=user)[:100]
    return render(
        request,
        "participation/opportunity_list.html",
        {
            "items": items,
            "manager": manager,
            "kinds": OpportunityKind.choices,
            "error": error,
            "values": request.POST,
        },
        status=error.status if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = op.opportunity_get(actor=user, pk=pk)
    manager = has_perm(user, P.MANAGE)
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "publish":
                op.opportunity_publish(opportunity=item, actor=user)
            elif action == "review_start":
                op.review_start(opportunity=item, actor=user)
            elif action == "apply":
                org = request.POST.get("organisation", "")
                op.application_submit(
                    opportunity=item,
                    actor=user,
                    organisation_id=int(org) if org.isdigit() else 0,
                    proposal=request.POST.get("proposal", ""),
                    budget=_decimal(request.POST.get("budget", "")),
                )
            elif action in ("review", "award"):
                app_id = request.POST.get("application", "")
                application = item.applications.filter(pk=int(app_id) if app_id.isdigit() else 0).first()
                if application is None:
                    raise AppError(_("没有这份申报"), "no such application", status=422)
                if action == "award":
                    op.award(opportunity=item, actor=user, application=application)
                else:
                    conflict = request.POST.get("conflict") == "yes"
                    scores = {}
                    for c in item.criteria:
                        raw = request.POST.get(f"score_{c['name']}", "")
                        scores[c["name"]] = int(raw) if raw.isdigit() else -1
                    op.review_submit(
                        application=application,
                        actor=user,
                        conflict=conflict,
                        conflict_note=request.POST.get("conflict_note", ""),
                        scores=None if conflict else scores,
                    )
            elif action == "progress":
                raw = request.POST.get("percent", "")
                op.progress_report(
                    opportunity=item,
                    actor=user,
                    percent=int(raw) if raw.isdigit() else -1,
                    body=request.POST.get("body", ""),
                )
            else:
                raise AppError(_("未知操作"), "unknown action", status=400)
        except AppError as exc:
            error = exc
        else:
            return redirect("participation:opportunity", pk=item.pk)
    awarded = item.status == OpportunityStatus.AWARDED
    applications = list(item.applications.select_related("organisation")) if (manager or awarded) else []
    scored = [(a, op.weighted_score(a) if awarded or manager else None) for a in applications]
    mine = op.organisations_of(user)
    context = {
        "item": item,
        "manager": manager,
        "awarded": awarded,
        "scored": scored,
        "events": item.events.select_related("actor"),
        "progress": item.awarded.progress.all() if item.awarded_id else [],
        "my_orgs": Organisation.objects.filter(pk__in=mine),
        "is_awardee": bool(item.awarded_id and item.awarded.organisation_id in mine),
        "error": error,
        "criteria_json": json.dumps(item.criteria, ensure_ascii=False),
    }
    return render(
        request, "participation/opportunity_detail.html", context, status=error.status if error else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def registry(request: HttpRequest) -> HttpResponse:
    """社区社会企业库: the registry of the area; the desk registers with a checked credit code."""
    from shezhi.participation import registry as reg
    from shezhi.participation.models import IncubationStage, ServiceField

    user = request.user
    if not has_perm(user, P.READ) or has_perm(user, P.TAKE_PART):
        raise PermissionDenied
    manager = has_perm(user, P.MANAGE)
    error = None
    if request.method == "POST":
        if not manager:
            raise PermissionDenied
        year = request.POST.get("certified_year", "").strip()
        try:
            reg.registry_register(
                actor=user,
                name=request.POST.get("name", ""),
                kind=request.POST.get("kind", ""),
                uscc=request.POST.get("uscc", ""),
                community_code=user.division.code if user.division else "",
                field=request.POST.get("field", ""),
                certified_year=int(year) if year.isdigit() else None,
                incubation=request.POST.get("incubation", IncubationStage.NONE),
                mentor=request.POST.get("mentor", ""),
            )
        except AppError as exc:
            error = exc
        else:
            return redirect("participation:registry")
    from shezhi.people.models import OrganisationKind

    return render(
        request,
        "participation/registry.html",
        {
            "profiles": reg.registry_list(actor=user)[:200],
            "manager": manager and user.division is not None and user.division.level == "community",
            "error": error,
            "values": request.POST,
            "fields": ServiceField.choices,
            "stages": IncubationStage.choices,
            "kinds": OrganisationKind.choices,
        },
        status=error.status if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer a survey (resident); results for the desk, and for everyone after close."""
    from django.utils import timezone

    from shezhi.participation import surveys

    user = request.user
    survey = surveys.survey_get(actor=user, pk=pk)
    error = None
    if request.method == "POST":
        answers: dict[str, Any] = {}
        for q in survey.questions.all():
            key = f"q{q.order}"
            answers[str(q.order)] = (
                request.POST.getlist(key) if q.kind == "multi" else request.POST.get(key, "")
            )
        try:
            surveys.survey_answer(survey=survey, actor=user, answers=answers)
        except AppError as exc:
            error = exc
        else:
            return redirect("participation:survey", pk=survey.pk)
    answered = survey.responses.filter(dedup_key=surveys.dedup_key(survey, user)).exists()
    closed = timezone.now() >= survey.closes_at
    show = has_perm(user, P.MANAGE) or (closed and has_perm(user, P.READ))
    return render(
        request,
        "participation/survey.html",
        {
            "survey": survey,
            "questions": survey.questions.all(),
            "answered": answered,
            "can_answer": has_perm(user, P.TAKE_PART) and not answered and not closed,
            "results": surveys.results(survey) if show else None,
            "error": error,
        },
        status=error.status if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """My notices; POST marks them read or changes what I receive."""
    from shezhi.participation import notify
    from shezhi.participation.models import NoticeKind, NoticeOptOut, Notification

    user = request.user
    if request.method == "POST":
        if request.POST.get("action") == "read":
            notify.mark_read(user)
        elif request.POST.get("action") == "prefs":
            NoticeOptOut.objects.filter(user=user).delete()
            for kind in NoticeKind.values:
                for channel in ("app", "sms"):
                    if not request.POST.get(f"{kind}_{channel}"):
                        NoticeOptOut.objects.create(user=user, kind=kind, channel=channel)
        return redirect("participation:notifications")
    muted = set(NoticeOptOut.objects.filter(user=user).values_list("kind", "channel"))
    prefs = [
        (value, label, (value, "app") not in muted, (value, "sms") not in muted)
        for value, label in NoticeKind.choices
    ]
    return render(
        request,
        "participation/notifications.html",
        {"notices": Notification.objects.filter(user=user)[:100], "prefs": prefs},
    )
