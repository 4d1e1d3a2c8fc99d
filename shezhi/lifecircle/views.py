"""Pages of the life-circle part."""

from __future__ import annotations

import math
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shezhi.accounts.roles import Role
from shezhi.accounts.scoping import not_area_scoped
from shezhi.common import uploads
from shezhi.common.errors import AppError, ImportRejected
from shezhi.lifecircle import describe, figures, mapdata, report, selectors, services
from shezhi.lifecircle import facility_import as facility_imports
from shezhi.lifecircle.forms import (
    CandidateForm,
    ElementRevisionForm,
    FacilityImportForm,
    RunStartForm,
    SitingForm,
)
from shezhi.lifecircle.models import (
    AnalysisRun,
    CandidateSite,
    Circle,
    GapKind,
    RunStatus,
    ServiceElement,
    SitingStudy,
    StandardVersion,
)


def _may_revise(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user.is_superuser or user.role == Role.CITY_ADMIN)


@not_area_scoped("the configuration standard is city-wide")
@login_required
def standard(request: HttpRequest, number: int | None = None) -> HttpResponse:
    """The configuration standard: current version by default, any older one by number."""
    current = selectors.standard_current()
    if current is None:
        raise Http404
    version = current if number is None else get_object_or_404(StandardVersion, number=number)
    return render(
        request,
        "lifecircle/standard.html",
        {
            "version": version,
            "current": current,
            "elements": selectors.element_list(version=version),
            "versions": StandardVersion.objects.order_by("-number")[:20],
            "may_revise": _may_revise(request.user) and version == current,
        },
    )


@not_area_scoped("the configuration standard is city-wide")
@login_required
def element_revise(request: HttpRequest, code: str) -> HttpResponse:
    """Revise one element; saving creates a new version of the standard."""
    if not _may_revise(request.user):
        raise PermissionDenied
    current = selectors.standard_current()
    if current is None:
        raise Http404
    element = get_object_or_404(current.elements, code=code)
    form = ElementRevisionForm(request.POST or None, instance=element)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            version = services.standard_revise(
                actor=request.user,  # type: ignore[arg-type]
                note=form.cleaned_data["note"],
                changes={code: changes},
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已保存为配置标准第 %(n)s 版") % {"n": version.number})
            return redirect("lifecircle:standard")
    return render(request, "lifecircle/element_form.html", {"form": form, "element": element})


# --------------------------------------------------------------------------- analysis runs


def _run_or_404(request: HttpRequest, pk: int) -> AnalysisRun:
    return AnalysisRun.objects.select_related("area", "standard").get_visible_or_404(request.user, pk=pk)


@login_required
def run_index(request: HttpRequest) -> HttpResponse:
    """Evaluations of the user's area, and the form that starts one."""
    user = request.user
    areas = selectors.run_areas(actor=user).order_by("code")  # type: ignore[arg-type]
    form = RunStartForm(request.POST or None, areas=areas)
    if request.method == "POST":
        if form.is_valid():
            try:
                run = services.analysis_start(
                    actor=user,  # type: ignore[arg-type]
                    area=form.cleaned_data["area"],
                    walker=form.cleaned_data["walker"],
                )
            except (PermissionDenied, ValidationError) as exc:
                form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
            else:
                return redirect("lifecircle:run", pk=run.pk)
    runs = selectors.run_list(actor=user)[:50]  # type: ignore[arg-type]
    return render(
        request,
        "lifecircle/run_index.html",
        {"form": form, "runs": runs, "may_start": services.may_analyse(user)},  # type: ignore[arg-type]
    )


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    done = run.status == RunStatus.DONE
    return render(
        request,
        "lifecircle/run_detail.html",
        {
            "run": run,
            # The same figures as the PDF and Excel reports (one computation, figures.py).
            "figures": figures.scope_figures(actor=request.user, run=run) if done else None,  # type: ignore[arg-type]
        },
    )


@login_required
def run_status(request: HttpRequest, pk: int) -> JsonResponse:
    run = _run_or_404(request, pk)
    return JsonResponse(
        {
            "status": run.status,
            "status_display": run.get_status_display(),
            "progress": run.progress,
            "stage": run.stage,
            "stage_display": report.stage_label(run.stage),
            "error": run.error,
            "finished": run.finished,
        }
    )


@login_required
@require_POST
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    if services.analysis_cancel(actor=request.user, run=run):  # type: ignore[arg-type]
        messages.success(request, _("已取消评估"))
    else:
        messages.info(request, _("评估已结束，无法取消"))
    return redirect("lifecircle:run", pk=run.pk)


@login_required
def run_gaps(request: HttpRequest, pk: int) -> HttpResponse:
    """The gap list (短板清单), filterable, exportable to Excel."""
    run = _run_or_404(request, pk)
    filters = {k: request.GET.get(k, "") for k in ("circle", "kind", "element", "community")}
    gaps = selectors.gap_list(actor=request.user, run=run, filters=filters)  # type: ignore[arg-type]
    if request.GET.get("format") == "xlsx":
        return report.gaps_xlsx_response(run, gaps)
    page = Paginator(gaps, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "lifecircle/run_gaps.html",
        {
            "run": run,
            "page": page,
            "total": gaps.count(),
            "filters": filters,
            "circles": Circle.choices,
            "kinds": GapKind.choices,
            "elements": run.standard.elements.filter(kind="basic"),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def run_map(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    if run.status != RunStatus.DONE:
        return redirect("lifecircle:run", pk=run.pk)
    elements = list(run.standard.elements.all())
    chosen = request.GET.get("element") or "primary_school"
    # The same area's other walker (一般居民 ⇄ 老年人), for the elderly view switch.
    twin = (
        selectors.run_list(actor=request.user)  # type: ignore[arg-type]
        .filter(area=run.area, standard=run.standard, status=RunStatus.DONE)
        .exclude(walker=run.walker)
        .order_by("-finished_at")
        .first()
    )
    return render(
        request,
        "lifecircle/run_map.html",
        {
            "run": run,
            "elements": elements,
            "chosen": chosen,
            "labels": report.map_labels(),
            "twin": twin,
            "community": request.GET.get("community", ""),
        },
    )


@login_required
def run_map_data(request: HttpRequest, pk: int) -> JsonResponse:
    """Compounds with their walk to one element, and that element's facilities (GeoJSON)."""
    run = _run_or_404(request, pk)
    code = request.GET.get("element", "")
    element = run.standard.elements.filter(code=code).first()
    if element is None:
        raise AppError("未知的服务要素", "unknown element", code="unknown_element")
    return JsonResponse(mapdata.layers(actor=request.user, run=run, element=element))  # type: ignore[arg-type]


@login_required
def run_isochrone(request: HttpRequest, pk: int) -> JsonResponse:
    """5/10/15-minute isochrones around a point (a facility on the map), at the run's speed."""
    run = _run_or_404(request, pk)
    try:
        lon, lat = _finite(request.GET["lon"]), _finite(request.GET["lat"])
    except (KeyError, ValueError) as exc:
        raise AppError("参数有误：需要经纬度", "lon and lat required") from exc
    try:
        return JsonResponse(mapdata.isochrone_geojson(run=run, lon=lon, lat=lat))
    except ValidationError as exc:
        raise AppError(exc.messages[0], exc.messages[-1]) from exc


@login_required
@require_POST
def run_what_if(request: HttpRequest, pk: int) -> JsonResponse:
    """Coverage before/after a hypothetical facility at a clicked point (no full run)."""
    run = _run_or_404(request, pk)
    try:
        element = run.standard.elements.get(code=request.POST.get("element", ""))
        lon, lat = _finite(request.POST["lon"]), _finite(request.POST["lat"])
    except (ServiceElement.DoesNotExist, KeyError, ValueError) as exc:
        raise AppError("参数有误：需要服务要素与经纬度", "element, lon and lat required") from exc
    try:
        body = mapdata.what_if(actor=request.user, run=run, element=element, lon=lon, lat=lat)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise AppError(exc.messages[0], exc.messages[-1]) from exc
    return JsonResponse(body)


def _finite(value: str) -> float:
    """A coordinate typed as text: a finite number (``nan``, ``inf`` and ``1e999`` are not)."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


# --------------------------------------------------------------------------- siting


@login_required
def run_siting(request: HttpRequest, pk: int) -> HttpResponse:
    """Recommended sites for one element: the form, candidate lots, and earlier studies."""
    run = _run_or_404(request, pk)
    user = request.user
    elements = run.standard.elements.all()
    form = SitingForm(request.POST or None, elements=elements, prefix="s")
    candidate_form = CandidateForm(prefix="c")
    if request.method == "POST" and "s-element" in request.POST:
        if form.is_valid():
            try:
                study = services.siting_recommend(
                    actor=user,  # type: ignore[arg-type]
                    run=run,
                    element_code=form.cleaned_data["element"],
                    p=form.cleaned_data["p"],
                    source=form.cleaned_data["source"],
                )
            except (PermissionDenied, ValidationError) as exc:
                form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
            else:
                return redirect("lifecircle:siting", pk=study.pk)
    elif request.method == "POST":
        candidate_form = CandidateForm(request.POST, prefix="c")
        if candidate_form.is_valid():
            try:
                services.candidate_add(actor=user, run=run, **candidate_form.cleaned_data)  # type: ignore[arg-type]
            except (PermissionDenied, ValidationError) as exc:
                candidate_form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
            else:
                messages.success(request, _("已录入候选用地"))
                return redirect("lifecircle:run_siting", pk=run.pk)
    return render(
        request,
        "lifecircle/run_siting.html",
        {
            "run": run,
            "form": form,
            "candidate_form": candidate_form,
            "candidates": CandidateSite.objects.visible_to(user).filter(
                area__code__startswith=run.area.prefix
            ),
            "studies": SitingStudy.objects.visible_to(user).filter(run=run)[:20],
            "may_start": services.may_analyse(user),  # type: ignore[arg-type]
        },
    )


@login_required
def siting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    study = SitingStudy.objects.select_related("run__area", "run__standard").get_visible_or_404(
        request.user, pk=pk
    )
    result = dict(study.result)
    result["sites"] = describe.describe_sites(result.get("sites", []), area=study.run.area)
    result["method_label"] = describe.method_label(str(result.get("method", "")))
    result["gap_pct"] = round(float(result.get("gap") or 0) * 100, 1)
    map_sites = [
        {k: s[k] for k in ("title", "lon", "lat", "households", "compounds")} for s in result["sites"]
    ]
    return render(
        request,
        "lifecircle/siting_detail.html",
        {
            "study": study,
            "run": study.run,
            "result": result,
            "map_sites": map_sites,
            "labels": report.map_labels(),
        },
    )


# --------------------------------------------------------------------------- facility import

_IMPORT_SESSION = "lifecircle_facility_import"


@login_required
def facility_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview every accepted and rejected row (dry run) → confirm (atomic)."""
    user = request.user
    if not services.may_analyse(user):  # type: ignore[arg-type]
        raise PermissionDenied
    standard_version = selectors.standard_current()
    if standard_version is None:
        raise Http404
    elements = list(standard_version.elements.all())
    form = FacilityImportForm(request.POST or None, request.FILES or None)
    pending = request.session.get(_IMPORT_SESSION)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and request.POST.get("action") == "confirm" and pending:
        path = Path(pending["path"])
        try:
            result = facility_imports.plan(
                actor=user,
                path=path,
                filename=pending["filename"],
                crs=pending["crs"],
                elements=elements,  # type: ignore[arg-type]
            )
            facility_imports.apply(result)
        except ImportRejected as exc:
            context["file_errors"] = exc.errors
        else:
            uploads.discard(path)
            del request.session[_IMPORT_SESSION]
            messages.success(
                request,
                _("已导入：新增 %(c)s 个、更新 %(u)s 个设施；拒绝 %(r)s 行")
                % {"c": result.created, "u": result.updated, "r": len(result.rejected)},
            )
            return redirect("lifecircle:facility_import")
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if pending:  # a new upload replaces the one waiting for confirmation
            uploads.discard(pending["path"])
            del request.session[_IMPORT_SESSION]
        try:
            path = uploads.store(upload, upload.name).path
        except ImportRejected as exc:
            context["file_errors"] = exc.errors
            return render(request, "lifecircle/facility_import.html", context)
        try:
            result = facility_imports.plan(
                actor=user,
                path=path,
                filename=upload.name,
                crs=form.cleaned_data["crs"],
                elements=elements,  # type: ignore[arg-type]
            )
        except ImportRejected as exc:
            uploads.discard(path)
            context["file_errors"] = exc.errors
        except BaseException:
            uploads.discard(path)
            raise
        else:
            request.session[_IMPORT_SESSION] = {
                "path": str(path),
                "filename": upload.name,
                "crs": form.cleaned_data["crs"],
            }
            names = {e.code: e.name for e in elements}
            context.update(
                preview=result,
                by_element=sorted(((names[c], n) for c, n in result.by_element.items()), key=lambda x: -x[1]),
                rejected=result.rejected,
                filename=upload.name,
            )
    return render(request, "lifecircle/facility_import.html", context)
