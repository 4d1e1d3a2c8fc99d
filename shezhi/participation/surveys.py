"""Surveys (人民阅卷): conditional questions, one response per resident (anonymous included)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shezhi.common.errors import AppError
from shezhi.common.pii import blind_index
from shezhi.participation.models import Survey, SurveyQuestion, SurveyQuestionKind, SurveyResponse
from shezhi.participation.permissions import ParticipationPermission, has_perm

K = SurveyQuestionKind


def _refuse(zh: Any, en: str, *, status: int = 422, code: str = "survey_refused") -> AppError:
    return AppError(zh, en, status=status, code=code)


def dedup_key(survey: Survey, user: Any) -> str:
    """Keyed hash of (survey, user): the same resident always maps to the same key."""
    return blind_index(f"{survey.pk}:{user.pk}", kind="survey-response")


def _shown(question: SurveyQuestion, answers: dict[str, Any]) -> bool:
    cond = question.show_if
    if not cond:
        return True
    given = answers.get(str(cond.get("question")))
    return given == cond.get("equals") or (isinstance(given, list) and cond.get("equals") in given)


def clean_answers(survey: Survey, raw: dict[str, Any]) -> dict[str, Any]:
    """Answers keyed by question order: checked against the question's kind and condition."""
    questions = list(survey.questions.all())
    known = {str(q.order) for q in questions}
    if set(map(str, raw)) - known:
        raise _refuse(_("答卷含有问卷没有的问题"), "the answers name a question the survey does not ask")
    out: dict[str, Any] = {}
    for q in questions:
        key = str(q.order)
        value = raw.get(key)
        empty = value in (None, "", [])
        if not _shown(q, out):
            if not empty:
                raise _refuse(
                    _("第 %(n)s 题不适用于您的回答，请不要作答") % {"n": q.order},
                    f"question {q.order} does not apply to your answers",
                )
            continue
        if empty:
            if q.required:
                raise _refuse(_("第 %(n)s 题必答") % {"n": q.order}, f"question {q.order} is required")
            continue
        if q.kind == K.SINGLE and value not in q.options:
            raise _refuse(
                _("第 %(n)s 题的选项无效") % {"n": q.order}, f"invalid option for question {q.order}"
            )
        if q.kind == K.MULTI and (not isinstance(value, list) or any(v not in q.options for v in value)):
            raise _refuse(
                _("第 %(n)s 题的选项无效") % {"n": q.order}, f"invalid option for question {q.order}"
            )
        if q.kind == K.RATING and str(value) not in {"1", "2", "3", "4", "5"}:
            raise _refuse(_("第 %(n)s 题评分须为 1–5") % {"n": q.order}, f"question {q.order} is rated 1–5")
        if q.kind == K.TEXT and (not isinstance(value, str) or len(value) > 1000):
            raise _refuse(
                _("第 %(n)s 题不超过 1000 字") % {"n": q.order},
                f"question {q.order}: at most 1000 characters",
            )
        out[key] = int(value) if q.kind == K.RATING else value
    return out


def survey_answer(*, survey: Survey, actor: Any, answers: dict[str, Any]) -> SurveyResponse:
    if not has_perm(actor, ParticipationPermission.TAKE_PART):
        raise _refuse(
            _("您的角色不参加问卷"), "your role does not answer surveys", status=403, code="forbidden"
        )
    if timezone.now() >= survey.closes_at:
        raise _refuse(_("问卷已截止"), "the survey is closed", status=409)
    clean = clean_answers(survey, answers)
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(
                survey=survey,
                respondent=None if survey.anonymous else actor,
                dedup_key=dedup_key(survey, actor),
                answers=clean,
            )
    except IntegrityError:
        raise _refuse(
            _("您已填写过该问卷，不能重复提交"),
            "you have already answered this survey",
            status=409,
            code="already_answered",
        ) from None


def survey_list(*, actor: Any) -> QuerySet[Survey]:
    if not has_perm(actor, ParticipationPermission.READ):
        return Survey.objects.none()
    return Survey.objects.visible_to(actor)


def survey_get(*, actor: Any, pk: int) -> Survey:
    try:
        return survey_list(actor=actor).get(pk=pk)
    except (Survey.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def results(survey: Survey) -> list[dict[str, Any]]:
    """Per question: how many answered, and counts per option (or the mean rating)."""
    responses = list(survey.responses.values_list("answers", flat=True))
    out = []
    for q in survey.questions.all():
        given = [r[str(q.order)] for r in responses if str(q.order) in r]
        row: dict[str, Any] = {"order": q.order, "text": q.text, "kind": q.kind, "answered": len(given)}
        if q.kind in (K.SINGLE, K.MULTI):
            counts: Counter[str] = Counter()
            for g in given:
                counts.update(g if isinstance(g, list) else [g])
            row["counts"] = [(o, counts.get(o, 0)) for o in q.options]
        elif q.kind == K.RATING:
            row["mean"] = round(sum(given) / len(given), 2) if given else None
        out.append(row)
    return out
