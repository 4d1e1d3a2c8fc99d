"""Pages of the cases part: workbench, intake (resident H5, grid patrol), case page, KPIs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shezhi.accounts.roles import Role
from shezhi.cases import dedup, panel, selectors
from shezhi.cases.forms import ActionForm
from shezhi.cases.models import Assignment, Case, SlaState
from shezhi.cases.permissions import CasePermission, has_perm
from shezhi.cases.services import (
    CaseNotFound,
    assignment_report,
    case_extension_decide,
    case_extension_request,
    case_publish,
    case_reporter_reveal,
    case_transition,
    case_whistle,
)
from shezhi.cases.workflow import OPEN_STATES, TRANSITIONS, State, WorkflowError
from shezhi.common import images
from shezhi.places.models import Grid

_DESK_ROLES = {Role.CITY_ADMIN, Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.COMMUNITY_WORKER}


def _is_staff(user: Any) -> bool:
    return user.is_superuser or user.role in _DESK_ROLES or user.role == Role.GRID_WORKER


@login_required
@require_GET
def case_index(request: HttpRequest) -> HttpResponse:
    """Workbench (工作台): the visible cases, the triage queue and supervision list."""
    user = request.user
    if not _is_staff(user):
        cases = list(selectors.my_reports(actor=user)[:100])  # type: ignore[arg-type]
        for case in cases:
            case.last_step = selectors.reporter_timeline(case=case).last()  # type: ignore[attr-defined]
        return render(request, "cases/my_reports.html", {"cases": cases})
    view = request.GET.get("view", "open")
    filters = {k: request.GET.get(k, "") for k in ("state", "category", "q", "sla")}
    if view == "triage":
        cases = selectors.triage_queue(actor=user)  # type: ignore[arg-type]
    elif view == "supervision":
        cases = selectors.supervision_list(actor=user)  # type: ignore[arg-type]
    else:
        cases = selectors.case_list(actor=user, filters={**filters, "open": view == "open"})  # type: ignore[arg-type]
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    visible = selectors.case_list(actor=user)  # type: ignore[arg-type]
    counts = {
        "open": visible.filter(state__in=list(OPEN_STATES | {State.SUSPENDED})).count(),
        "triage": visible.filter(state=State.TRIAGE).count(),
        "overdue": visible.filter(sla_state=SlaState.OVERDUE).count(),
    }
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "view": view,
            "filters": filters,
            "states": State.choices,
            "counts": counts,
            "can_handle": has_perm(user, CasePermission.HANDLE),
            "is_grid_worker": user.role == Role.GRID_WORKER,  # type: ignore[union-attr]
            "can_desk_intake": user.is_superuser or user.role in _DESK_ROLES,  # type: ignore[union-attr]
        },
    )


@login_required
def case_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One case with its map, timeline and the actions the viewer may take, grouped."""
    user: Any = request.user
    case = selectors.case_get(actor=user, code=code)
    if request.method not in ("GET",):
        return HttpResponseNotAllowed(["GET"])
    staff = _is_staff(user)
    units = selectors.units_for(actor=user)
    groups = panel.action_groups(case, user) if staff else []
    keys = {g.key for g in groups}
    suggestion = panel.suggestion_for(case, units) if "dispatch" in keys else None
    duplicates = dedup.suggest(case=case, actor=user) if case.is_open and staff else []
    grids = (
        Grid.objects.visible_to(user).filter(kind="general").order_by("code")[:300] if "route" in keys else []
    )
    is_reporter = case.reporter_id == user.pk
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "events": selectors.case_timeline(actor=user, case=case)
            if staff
            else selectors.reporter_timeline(case=case),
            "assignments": case.assignments.select_related("unit").order_by("role", "created_at"),
            "groups": groups,
            "suggestion": suggestion,
            "unit_groups": panel.unit_groups(units) if "dispatch" in keys else [],
            "whistle_units": panel.unit_groups(units, exclude=case.lead_unit) if "whistle" in keys else [],
            "grids": grids,
            "duplicates": duplicates,
            "is_staff": staff,
            "is_reporter": is_reporter,
            "can_rate": is_reporter and case.state == State.CLOSED,
            "can_handle": has_perm(user, CasePermission.HANDLE) or is_reporter,
            "can_reveal": has_perm(user, CasePermission.REVEAL_REPORTER),
            "categories": selectors.services(),
            "case_point": _case_point(case),
            "case_area": case.grid.boundary if case.grid_id and case.grid.boundary else None,  # type: ignore[union-attr]
            "attributes": _attribute_answers(case),
        },
    )


def _case_point(case: Case) -> tuple[float, float] | None:
    if case.lat is not None and case.lon is not None:
        return case.lon, case.lat
    if case.compound is not None and case.compound.lat is not None:
        return case.compound.lon, case.compound.lat
    return None


def _attribute_answers(case: Case) -> list[tuple[str, str]]:
    """The category's questions and the answers given, named in the user's language."""
    if case.category is None or not case.attributes:
        return []
    language = get_language() or "zh-hans"
    rows = []
    for attr in case.category.attributes.all():
        value = case.attributes.get(attr.code)
        if value in (None, "", []):
            continue
        names = dict(attr.choices(language))
        values = value if isinstance(value, list) else [value]
        rows.append((attr.label(language), "、".join(names.get(str(v), str(v)) for v in values)))
    return rows


@login_required
def case_act(request: HttpRequest, code: str) -> HttpResponse:
    """POST an action on a case (transition, whistle, extension, co-handling report)."""
    user = request.user
    case = selectors.case_get(actor=user, code=code)  # type: ignore[arg-type]
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ActionForm(request.POST, units=selectors.units_for(actor=user))  # type: ignore[arg-type]
    if not form.is_valid():
        messages.error(request, _("提交的内容有误：%(e)s") % {"e": form.errors.as_text()})
        return redirect("cases:case", code=case.code)
    data = form.cleaned_data
    action = data["action"]
    if action == "visit" and case.reporter_id == user.pk and not data["stars"]:
        messages.error(request, _("请先点选星级（1–5 颗星）再提交评价"))
        return redirect("cases:case", code=case.code)
    try:
        if action == "whistle":
            case_whistle(
                case=case, actor=user, units=list(data["units"]), task=data["note"], days=data["days"] or 3
            )  # type: ignore[arg-type]
        elif action == "extend":
            case_extension_request(case=case, actor=user, days=data["days"] or 0, reason=data["note"])  # type: ignore[arg-type]
        elif action == "decide":
            case_extension_decide(case=case, actor=user, approve=data["approve"] == "yes", note=data["note"])  # type: ignore[arg-type]
        elif action in ("publish", "unpublish"):
            case_publish(case=case, actor=user, public=action == "publish")  # type: ignore[arg-type]
        elif action == "co_report":
            assignment = (
                Assignment.objects.visible_to(user)
                .filter(case=case, pk=request.POST.get("assignment"))
                .first()
            )
            if assignment is None:
                raise Http404
            assignment_report(assignment=assignment, actor=user, report=data["note"])  # type: ignore[arg-type]
        else:
            grid = Grid.objects.visible_to(user).filter(code=data["grid"]).first() if data["grid"] else None
            into = Case.objects.visible_to(user).filter(code=data["into"]).first() if data["into"] else None
            case_transition(
                case=case,
                action=action,
                actor=user,  # type: ignore[arg-type]
                note=data["note"],
                unit=data["unit"],
                grid=grid,
                category=data["category"],
                satisfaction=data["satisfaction"],
                into=into,
                stars=data["stars"],
            )
    except WorkflowError as exc:
        messages.error(request, exc.problem.text())
    except CaseNotFound as exc:
        raise Http404 from exc
    else:
        messages.success(request, _done(action))
    return redirect("cases:case", code=case.code)


def _done(action: str) -> str:
    """What the user just did, in their language ("已签收", "评价已提交")."""
    if action == "visit":
        return _("评价已提交，谢谢！")
    if action == "whistle":
        return _("已吹哨，报到单位已收到协办事项")
    transition = TRANSITIONS.get(action)
    if transition is not None:
        return _("已完成：%(action)s") % {"action": transition.label}
    return _("已提交")


@login_required
def case_reveal(request: HttpRequest, code: str) -> HttpResponse:
    """The reporter's contact in clear for the handler calling back; the read is logged."""
    case = selectors.case_get(actor=request.user, code=code)  # type: ignore[arg-type]
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        contact = case_reporter_reveal(
            case=case,
            actor=request.user,  # type: ignore[arg-type]
            reason=request.POST.get("reason", ""),
        )
    except WorkflowError as exc:
        status = 400 if exc.problem.code == "reason_required" else 403
        return JsonResponse(
            {**exc.problem.as_dict(), "text": exc.problem.text()},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    return JsonResponse(contact, json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
def case_photo(request: HttpRequest, code: str) -> FileResponse:
    """The case's photo, only to those who may see the case."""
    case = selectors.case_get(actor=request.user, code=code)  # type: ignore[arg-type]
    if not case.photo:
        raise Http404
    try:
        fh = case.photo.open("rb")
    except OSError as exc:
        raise Http404 from exc
    # The type is what the content is, never what the stored name says: a file that is not
    # an image (e.g. script saved before photos were re-encoded) is not served at all.
    served = images.served_type(fh)
    if served is None:
        fh.close()
        raise Http404
    ext, kind = served
    response = FileResponse(fh, content_type=kind)
    response["Content-Disposition"] = f'inline; filename="{case.code}.{ext}"'
    response["Cache-Control"] = "private, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
