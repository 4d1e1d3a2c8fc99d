"""Pages of participation: residents' phone pages and the residents' committee desk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shezhi.common.errors import AppError
from shezhi.participation import surveys, topics, votes
from shezhi.participation.models import (
    CONVENTIONS,
    Channel,
    Matter,
    Participation,
    RuleSet,
    Style,
    Vote,
    VoteStatus,
)
from shezhi.participation.permissions import ParticipationPermission as P
from shezhi.participation.permissions import has_perm

MAX_QUESTIONS = 3


def _manager(user: Any) -> bool:
    return has_perm(user, P.MANAGE)


def _require(user: Any, perm: P) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied


@login_required
@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    """My compound's topics and votes (resident), or the committee's desk list."""
    user = request.user
    _require(user, P.READ)
    topic_qs = topics.topic_list(actor=user).annotate(n_comments=Count("comments"))[:100]
    vote_qs = topics.vote_list(actor=user).order_by("status", "-closes_at")[:100]
    return render(
        request,
        "participation/index.html",
        {
            "topics": topic_qs,
            "votes": vote_qs,
            "surveys": surveys.survey_list(actor=user).filter(closes_at__gt=timezone.now())[:20],
            "manager": _manager(user),
            "can_raise": has_perm(user, P.TAKE_PART) or _manager(user),  # as topic_new checks
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (has_perm(user, P.TAKE_PART) or _manager(user)):
        raise PermissionDenied
    compounds = topics.compounds_for_topics(actor=user)
    error, values = None, {}
    if request.method == "POST":
        values = request.POST
        compound = (
            compounds.filter(pk=request.POST.get("compound") or 0).first()
            if request.POST.get("compound", "").isdigit()
            else None
        )
        division = user.division if (_manager(user) and request.POST.get("compound") == "area") else None
        try:
            topic = topics.topic_raise(
                actor=user,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                compound=compound,
                division=division,
            )
        except AppError as exc:
            error = exc
        else:
            return redirect("participation:topic", pk=topic.pk)
    return render(
        request,
        "participation/topic_new.html",
        {"compounds": compounds[:200], "error": error, "values": values, "manager": _manager(user)},
        status=422 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    topic = topics.topic_get(actor=user, pk=pk)
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "comment":
                topics.comment_add(topic=topic, actor=user, body=request.POST.get("body", ""))
            elif action == "answer":
                topics.comment_add(topic=topic, actor=user, body=request.POST.get("body", ""), official=True)
            elif action == "advance":
                topics.topic_advance(topic=topic, actor=user, minutes=request.POST.get("minutes", ""))
            elif action == "stage":
                starts, ends = request.POST.get("starts_on", ""), request.POST.get("ends_on", "")
                try:
                    starts_on = parse_date(starts) if starts else None
                    ends_on = parse_date(ends) if ends else None
                except ValueError:
                    starts_on = ends_on = None
                topics.stage_update(
                    topic=topic,
                    actor=user,
                    code=request.POST.get("code", ""),
                    starts_on=starts_on,
                    ends_on=ends_on,
                    minutes=request.POST.get("minutes", ""),
                )
            elif action == "case":
                topics.topic_link_case(topic=topic, actor=user, case_code=request.POST.get("case_code", ""))
            else:
                raise AppError(_("未知操作"), "unknown action", status=400)
        except AppError as exc:
            error = exc
        else:
            return redirect("participation:topic", pk=topic.pk)
    context = {
        "topic": topic,
        "stages": topic.stages.all(),
        "comments": topic.comments.select_related("author"),
        "votes": topics.vote_list(actor=user).filter(topic=topic),
        "progress": topics.case_progress(topic),
        "manager": _manager(user),
        "can_comment": has_perm(user, P.TAKE_PART) or _manager(user),
        "error": error,
    }
    return render(request, "participation/topic_detail.html", context, status=error.status if error else 200)


def _questions_from(post: Any) -> list[dict[str, Any]]:
    questions = []
    for n in range(1, MAX_QUESTIONS + 1):
        text = post.get(f"q{n}_text", "").strip()
        if not text:
            continue
        options = [line.strip() for line in post.get(f"q{n}_options", "").splitlines() if line.strip()]
        questions.append(
            {
                "text": text[:300],
                "style": post.get(f"q{n}_style", Style.SINGLE),
                "matter": post.get(f"q{n}_matter", Matter.ORDINARY),
                "options": options,
                "abstain": bool(post.get(f"q{n}_abstain")),
                "max": post.get(f"q{n}_max", "1"),
            }
        )
    return questions


@login_required
@require_http_methods(["GET", "POST"])
def vote_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    topic = topics.topic_get(actor=user, pk=pk)
    _require(user, P.MANAGE)
    rules = RuleSet.objects.all()
    error = None
    if request.method == "POST":
        rule = (
            rules.filter(pk=request.POST.get("rule_set")).first()
            if request.POST.get("rule_set", "").isdigit()
            else None
        )
        raw_close = request.POST.get("closes_at", "")
        try:
            closes_at = parse_datetime(raw_close) if raw_close else None
        except ValueError:
            closes_at = None
        if closes_at is not None and timezone.is_naive(closes_at):
            closes_at = timezone.make_aware(closes_at)
        try:
            vote = votes.vote_draft(
                topic=topic,
                actor=user,
                title=request.POST.get("title", ""),
                rule_set=rule,
                closes_at=closes_at,
                quorum=request.POST.get("quorum", "").strip(),
                questions=_questions_from(request.POST),
            )
        except AppError as exc:
            error = exc
        else:
            return redirect("participation:vote", pk=vote.pk)
    default_close = (timezone.localtime() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    return render(
        request,
        "participation/vote_new.html",
        {
            "topic": topic,
            "rules": rules,
            "error": error,
            "values": request.POST,
            "default_close": default_close,
            "slots": range(1, MAX_QUESTIONS + 1),
            "styles": Style.choices,
            "matters": Matter.choices,
        },
        status=422 if error else 200,
    )


def _vote_context(request: HttpRequest, vote: Vote) -> dict[str, Any]:
    user = request.user
    mine = votes.my_entries(vote, user)
    voted = Participation.objects.filter(vote=vote, entry__in=mine).select_related("entry")
    return {
        "vote": vote,
        "questions": vote.questions.prefetch_related("options"),
        "mine": mine,
        "voted": list(voted),
        "can_vote": vote.status == VoteStatus.OPEN
        and vote.closes_at > timezone.now()
        and bool(mine)
        and len(list(voted)) < len(mine),
        "manager": _manager(user),
        "conventions": [
            (CONVENTIONS.get(k, k), v) for k, v in (vote.rule_set.conventions or {}).items() if v
        ],
        "participants": vote.participations.count() if vote.status != VoteStatus.DRAFT else 0,
    }


@login_required
@require_http_methods(["GET"])
def vote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    vote = topics.vote_get(actor=request.user, pk=pk)
    return render(request, "participation/vote_detail.html", _vote_context(request, vote))


def _choices_from(post: Any, vote: Vote) -> dict[str, list[str]]:
    return {str(q.pk): post.getlist(f"q{q.pk}") for q in vote.questions.all()}


@login_required
@require_POST
def vote_cast(request: HttpRequest, pk: int) -> HttpResponse:
    vote = topics.vote_get(actor=request.user, pk=pk)
    try:
        code = votes.ballot_cast(vote=vote, actor=request.user, choices=_choices_from(request.POST, vote))
    except AppError as exc:
        context = _vote_context(request, vote)
        context["error"] = exc
        return render(request, "participation/vote_detail.html", context, status=exc.status)
    return render(request, "participation/receipt.html", {"vote": vote, "code": code})


@login_required
@require_POST
def vote_open(request: HttpRequest, pk: int) -> HttpResponse:
    vote = topics.vote_get(actor=request.user, pk=pk)
    votes.vote_open(vote=vote, actor=request.user)
    return redirect("participation:vote", pk=vote.pk)


@login_required
@require_POST
def vote_close(request: HttpRequest, pk: int) -> HttpResponse:
    vote = topics.vote_get(actor=request.user, pk=pk)
    votes.vote_close(vote=vote, actor=request.user)
    return redirect("participation:results", pk=vote.pk)


@login_required
@require_http_methods(["GET", "POST"])
def vote_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """The desk enters paper and delegated ballots; the page records who entered them."""
    vote = topics.vote_get(actor=request.user, pk=pk)
    _require(request.user, P.MANAGE)
    error, code = None, None
    if request.method == "POST":
        number = request.POST.get("entry", "")
        try:
            if not number.isdigit():
                raise AppError(_("请填写名册序号"), "enter the roll number", status=422)
            code = votes.ballot_enter(
                vote=vote,
                actor=request.user,
                entry_number=int(number),
                choices=_choices_from(request.POST, vote),
                channel=request.POST.get("channel", Channel.PAPER),
                delegate_name=request.POST.get("delegate_name", "")[:80],
            )
        except AppError as exc:
            error = exc
    entered = vote.participations.exclude(channel=Channel.WEB).select_related("entry", "recorded_by")
    return render(
        request,
        "participation/vote_paper.html",
        {
            "vote": vote,
            "questions": vote.questions.prefetch_related("options"),
            "error": error,
            "code": code,
            "entered": entered,
            "channels": [(Channel.PAPER, Channel.PAPER.label), (Channel.DELEGATED, Channel.DELEGATED.label)],
        },
        status=error.status if error else 200,
    )


@login_required
@require_http_methods(["GET"])
def vote_roll(request: HttpRequest, pk: int) -> HttpResponse:
    vote = topics.vote_get(actor=request.user, pk=pk)
    return render(request, "participation/vote_roll.html", {"vote": vote, "roll": vote.roll.all()})


@login_required
@require_http_methods(["GET"])
def vote_results(request: HttpRequest, pk: int) -> HttpResponse:
    vote = topics.vote_get(actor=request.user, pk=pk)
    return render(
        request,
        "participation/vote_results.html",
        {"vote": vote, "result": votes.results_of(vote), "rule": vote.rule_set},
    )


@login_required
@require_http_methods(["GET"])
def vote_ballots(request: HttpRequest, pk: int) -> HttpResponse:
    vote = topics.vote_get(actor=request.user, pk=pk)
    listing = votes.ballot_list(vote) if vote.status == VoteStatus.CLOSED else None
    return render(request, "participation/vote_ballots.html", {"vote": vote, "listing": listing})


@login_required
@require_http_methods(["GET", "POST"])
def vote_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    vote = topics.vote_get(actor=request.user, pk=pk)
    check, error = None, None
    if request.method == "POST":
        try:
            check = votes.receipt_check(vote=vote, code=request.POST.get("code", ""))
        except AppError as exc:
            error = exc
    return render(
        request,
        "participation/vote_receipt.html",
        {"vote": vote, "check": check, "error": error},
        status=error.status if error else 200,
    )
