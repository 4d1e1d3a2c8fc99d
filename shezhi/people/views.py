"""Pages of the people part: residents, households, facilities, organisations, import, access log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shezhi.accounts.roles import DivisionLevel
from shezhi.common.errors import ImportRejected
from shezhi.common.pickers import picker_html
from shezhi.people import exporters, importers, readers, selectors, services
from shezhi.people.forms import (
    AccessLogFilterForm,
    ExportForm,
    FacilityForm,
    HouseholdForm,
    ImportForm,
    OrganisationForm,
    ResidentFilterForm,
    ResidentForm,
    ResidentLookupForm,
    RevealForm,
    add_problem_list,
    add_problems,
)
from shezhi.people.models import (
    FacilityCategory,
    Household,
    ImportStatus,
    OrganisationKind,
    ResidenceStatus,
    Resident,
)
from shezhi.people.permissions import PeoplePermission, has_perm
from shezhi.places.models import Compound, Division, Grid

GET_POST = require_http_methods(["GET", "POST"])


def _perms(user: Any) -> dict[str, bool]:
    return {p.value: has_perm(user, p) for p in PeoplePermission}


def _resident_filters(request: HttpRequest) -> dict[str, str]:
    """Raw filter values: the selector scopes them, so a foreign grid code simply finds no one."""
    filters = {k: request.GET.get(k, "") for k in ("q", "tag", "age_band", "grid", "sex")}
    filters["grid"] = _grid_code(request.user, filters["grid"])
    return filters


def _grid_code(user: Any, raw: str) -> str:
    """The grid picker sends a code; typed without JavaScript it may be a grid's exact name."""
    raw = raw.strip()
    if not raw or Grid.objects.visible_to(user).filter(code=raw).exists():
        return raw
    grid = Grid.objects.visible_to(user).filter(name=raw).order_by("code").first()
    return grid.code if grid is not None else raw


def _filters_scope(request: HttpRequest) -> str:
    """The filters of a list, for the access log (names typed in a search are masked)."""
    from shezhi.common.pii import mask_name

    parts = [f"{k}={mask_name(v) if k == 'q' else v}" for k, v in _resident_filters(request).items() if v]
    return "; ".join(parts)


@login_required
def resident_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ResidentFilterForm(request.GET or None, grids=Grid.objects.visible_to(user))
    try:
        residents = selectors.resident_list(actor=user, filters=_resident_filters(request))  # type: ignore[arg-type]
    except selectors.NumberSearchRefused as exc:
        form.is_valid()
        add_problem_list(form, [exc.problem])
        residents = Resident.objects.none()
    page = Paginator(residents, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "people/resident_list.html",
        {"form": form, "page": page, "total": page.paginator.count, "perms": _perms(user)},
    )


@login_required
@GET_POST
def resident_lookup(request: HttpRequest) -> HttpResponse:
    """按证件号查找: find residents of one's area by a full ID or mobile number (POST only, so
    the number never appears in a URL); needs the reveal right and a reason, and is logged."""
    user = request.user
    if not has_perm(user, PeoplePermission.REVEAL):
        raise PermissionDenied
    form = ResidentLookupForm(request.POST if request.method == "POST" else None)
    found = None
    if request.method == "POST" and form.is_valid():
        try:
            found = services.resident_lookup(
                actor=user,  # type: ignore[arg-type]
                number=form.cleaned_data["number"],
                reason=form.cleaned_data["reason"],
            )
        except services.InvalidPeopleData as exc:
            add_problems(form, exc)
    response = render(
        request, "people/resident_lookup.html", {"form": form, "found": found, "perms": _perms(user)}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@GET_POST
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A resident, masked; POST reveals one field with a reason (logged)."""
    user = request.user
    resident = selectors.resident_get(actor=user, pk=pk)  # type: ignore[arg-type]
    revealed: dict[str, str] = {}
    form = RevealForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not has_perm(user, PeoplePermission.REVEAL):
            raise PermissionDenied
        if form.is_valid():
            try:
                revealed[form.cleaned_data["field"]] = services.resident_reveal(
                    actor=user,  # type: ignore[arg-type]
                    resident=resident,
                    field=form.cleaned_data["field"],
                    reason=form.cleaned_data["reason"],
                )
            except services.InvalidPeopleData as exc:
                add_problems(form, exc)
    history = selectors.history_changes(actor=user, obj=resident)  # type: ignore[arg-type]
    return render(
        request,
        "people/resident_detail.html",
        {
            "r": resident,
            "form": form,
            "revealed": revealed,
            "history": history,
            "perms": _perms(user),
            "today": timezone.localdate(),
        },
    )


def _visible_households(user: Any) -> Any:
    return Household.objects.visible_to(user).select_related("compound").order_by("compound__name", "room")


@login_required
@GET_POST
def resident_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    services.require(user, PeoplePermission.EDIT)  # type: ignore[arg-type]
    initial = {"household": request.GET.get("household")}
    form = ResidentForm(request.POST or None, households=_visible_households(user), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resident = services.resident_create(actor=user, **data)  # type: ignore[arg-type]
        except services.InvalidPeopleData as exc:
            add_problems(form, exc)
        else:
            messages.success(request, _("已登记居民"))
            return redirect("people:resident", pk=resident.pk)
    return render(request, "people/form.html", {"form": form, "title": _("登记居民")})


@login_required
@GET_POST
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    resident = selectors.resident_get(actor=user, pk=pk)  # type: ignore[arg-type]
    services.require(user, PeoplePermission.EDIT)  # type: ignore[arg-type]
    initial = {
        "household": resident.household_id,
        "name": resident.name,
        "relation": resident.relation,
        "tags": resident.tag_list,
        "note": resident.note,
    }
    form = ResidentForm(
        request.POST or None, households=_visible_households(user), initial=initial, editing=True
    )
    form.fields["id_number"].widget.attrs["placeholder"] = resident.masked_id_number
    form.fields["phone"].widget.attrs["placeholder"] = resident.masked_phone
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k not in ("id_number", "phone") or v}
        try:
            services.resident_update(actor=user, resident=resident, **changes)  # type: ignore[arg-type]
        except services.InvalidPeopleData as exc:
            add_problems(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("people:resident", pk=resident.pk)
    return render(request, "people/form.html", {"form": form, "title": _("修改居民信息"), "back": resident})


@login_required
def household_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    filters = {k: request.GET.get(k, "") for k in ("q", "grid", "status")}
    filters["grid"] = _grid_code(user, filters["grid"])
    households = selectors.household_list(actor=user, filters=filters)  # type: ignore[arg-type]
    grid = Grid.objects.visible_to(user).filter(code=filters["grid"]).first() if filters["grid"] else None
    page = Paginator(households, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "people/household_list.html",
        {
            "page": page,
            "filters": filters,
            "total": page.paginator.count,
            "grid_picker": picker_html(
                "grid", "grid", filters["grid"], grid.name if grid else "", aria=_("网格")
            ),
            "statuses": ResidenceStatus.choices,
            "perms": _perms(user),
        },
    )


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    household = selectors.household_get(actor=user, pk=pk)  # type: ignore[arg-type]
    members = selectors.resident_list(actor=user, filters={"household": household.pk})  # type: ignore[arg-type]
    history = selectors.history_changes(actor=user, obj=household)  # type: ignore[arg-type]
    return render(
        request,
        "people/household_detail.html",
        {"h": household, "members": members, "history": history, "perms": _perms(user)},
    )


@login_required
@GET_POST
def household_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    services.require(user, PeoplePermission.EDIT)  # type: ignore[arg-type]
    form = HouseholdForm(request.POST or None, compounds=Compound.objects.visible_to(user).order_by("name"))
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(actor=user, **form.cleaned_data)  # type: ignore[arg-type]
        except services.InvalidPeopleData as exc:
            add_problems(form, exc)
        else:
            messages.success(request, _("已登记户"))
            return redirect("people:household", pk=household.pk)
    return render(request, "people/form.html", {"form": form, "title": _("登记户")})


@login_required
@GET_POST
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    household = selectors.household_get(actor=user, pk=pk)  # type: ignore[arg-type]
    services.require(user, PeoplePermission.EDIT)  # type: ignore[arg-type]
    initial = {k: getattr(household, k) for k in ("building", "unit", "room", "status")}
    initial["compound"] = household.compound_id
    form = HouseholdForm(
        request.POST or None, compounds=Compound.objects.filter(pk=household.compound_id), initial=initial
    )
    form.fields["compound"].disabled = True
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in ("building", "unit", "room", "status")}
        try:
            services.household_update(actor=user, household=household, **changes)  # type: ignore[arg-type]
        except services.InvalidPeopleData as exc:
            add_problems(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("people:household", pk=household.pk)
    return render(request, "people/form.html", {"form": form, "title": _("修改户信息")})


@login_required
def facility_index(request: HttpRequest) -> HttpResponse:
    filters = {k: request.GET.get(k, "") for k in ("q", "category")}
    facilities = selectors.facility_list(actor=request.user, filters=filters)  # type: ignore[arg-type]
    page = Paginator(facilities, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "people/facility_list.html",
        {
            "page": page,
            "filters": filters,
            "categories": FacilityCategory.choices,
            "total": page.paginator.count,
            "perms": _perms(request.user),
        },
    )


@login_required
def organisation_index(request: HttpRequest) -> HttpResponse:
    filters = {k: request.GET.get(k, "") for k in ("q", "kind")}
    organisations = selectors.organisation_list(actor=request.user, filters=filters)  # type: ignore[arg-type]
    page = Paginator(organisations, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "people/organisation_list.html",
        {
            "page": page,
            "filters": filters,
            "kinds": OrganisationKind.choices,
            "total": page.paginator.count,
            "perms": _perms(request.user),
        },
    )


def _area_choices(user: Any) -> dict[str, Any]:
    """The communities and grids an area form may name (its pickers search them)."""
    return {
        "communities": Division.objects.visible_to(user).filter(level=DivisionLevel.COMMUNITY),
        "grids": Grid.objects.visible_to(user),
    }


def _form_page(
    request: HttpRequest, form: Any, save: Any, title: str, done: str, saved: str | None = None
) -> HttpResponse:
    """The form page: on a valid POST ``save(cleaned_data)``; its problems go back onto the form."""
    if request.method == "POST" and form.is_valid():
        try:
            save(dict(form.cleaned_data))
        except services.InvalidPeopleData as exc:
            add_problems(form, exc)
        else:
            if saved:
                messages.success(request, saved)
            return redirect(done)
    return render(request, "people/form.html", {"form": form, "title": title})


def _create_page(request: HttpRequest, form_class: Any, service: Any, title: str, done: str) -> HttpResponse:
    user = request.user
    services.require(user, PeoplePermission.EDIT)  # type: ignore[arg-type]
    form = form_class(request.POST or None, **_area_choices(user))
    return _form_page(request, form, lambda data: service(actor=user, **data), title, done)


@login_required
@GET_POST
def organisation_create(request: HttpRequest) -> HttpResponse:
    return _create_page(
        request, OrganisationForm, services.organisation_create, _("登记组织"), "people:organisations"
    )


@login_required
@GET_POST
def facility_create(request: HttpRequest) -> HttpResponse:
    return _create_page(
        request, FacilityForm, services.facility_create, _("登记服务设施"), "people:facilities"
    )


def _area_initial(obj: Any) -> dict[str, str]:
    return {"community_code": obj.community.code, "grid_code": obj.grid.code if obj.grid_id else ""}


@login_required
@GET_POST
def facility_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    facility = selectors.facility_get(actor=user, pk=pk)  # type: ignore[arg-type]
    services.require(user, PeoplePermission.EDIT)  # type: ignore[arg-type]
    fields = ("name", "category", "level", "lon", "lat", "floor_area_m2", "capacity", "opening_hours")
    initial = {k: getattr(facility, k) for k in fields} | _area_initial(facility)
    form = FacilityForm(request.POST or None, initial=initial, **_area_choices(user))

    def save(data: dict[str, Any]) -> None:
        # The page does not change the operator.
        services.facility_update(actor=user, facility=facility, operator_id=facility.operator_id, **data)  # type: ignore[arg-type]

    return _form_page(request, form, save, _("修改服务设施"), "people:facilities", _("已保存"))


@login_required
@GET_POST
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    org = selectors.organisation_get(actor=user, pk=pk)  # type: ignore[arg-type]
    services.require(user, PeoplePermission.EDIT)  # type: ignore[arg-type]
    fields = ("name", "kind", "address", "contact_name")
    initial = {k: getattr(org, k) for k in fields} | _area_initial(org) | {"uscc": org.uscc or ""}
    form = OrganisationForm(request.POST or None, initial=initial, **_area_choices(user))
    # The phone stays masked (it is personal data): the field is left empty and keeps the
    # stored number unless a new one is typed.
    form.fields["contact_phone"].help_text = _("现为 %(masked)s；留空则不修改") % {
        "masked": org.masked_contact_phone or "—"
    }

    def save(data: dict[str, Any]) -> None:
        if not data["contact_phone"].strip():
            data["contact_phone"] = org.contact_phone
        services.organisation_update(actor=user, organisation=org, **data)  # type: ignore[arg-type]

    return _form_page(request, form, save, _("修改组织信息"), "people:organisations", _("已保存"))


@login_required
def access_log_index(request: HttpRequest) -> HttpResponse:
    """The 审计员 page: who read whose personal data, which field, when and why."""
    form = AccessLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.access_log_list(actor=request.user, filters=filters)  # type: ignore[arg-type]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request, "people/access_log.html", {"form": form, "page": page, "total": page.paginator.count}
    )


@login_required
@GET_POST
def import_upload(request: HttpRequest) -> HttpResponse:
    user = request.user
    services.require(user, PeoplePermission.IMPORT)  # type: ignore[arg-type]
    form = ImportForm(request.POST or None, request.FILES or None)
    rejected = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = importers.resident_import_preview(actor=user, upload=upload, filename=upload.name)  # type: ignore[arg-type]
        except ImportRejected as exc:
            rejected = exc.errors
        else:
            return redirect("people:import_batch", pk=batch.pk)
    return render(
        request,
        "people/import_upload.html",
        {"form": form, "rejected": rejected, "headers": readers.HEADERS},
    )


@login_required
@GET_POST
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview of an upload; POST ``confirm`` applies the good rows, ``cancel`` drops the file."""
    user = request.user
    batch = selectors.import_batch_get(actor=user, pk=pk)  # type: ignore[arg-type]
    if request.method == "POST":
        if "confirm" in request.POST:
            try:
                batch = importers.resident_import_confirm(actor=user, batch=batch)  # type: ignore[arg-type]
                messages.success(request, _("导入完成"))
            except importers.BatchClosed:
                messages.error(request, _("该批次已处理，不能重复导入"))
        elif "cancel" in request.POST:
            batch = importers.resident_import_cancel(actor=user, batch=batch)  # type: ignore[arg-type]
        return redirect("people:import_batch", pk=batch.pk)
    page = Paginator(batch.errors, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "people/import_batch.html",
        {"batch": batch, "errors": page, "page": page, "open": batch.status == ImportStatus.PREVIEWED},
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(readers.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="residents-template.csv"'
    return response


@login_required
@GET_POST
def resident_export(request: HttpRequest) -> HttpResponse:
    """GET: the export form (current filters kept); POST: the .xlsx download."""
    user = request.user
    try:
        residents = selectors.resident_list(actor=user, filters=_resident_filters(request))  # type: ignore[arg-type]
    except selectors.NumberSearchRefused:
        return redirect("people:residents")
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        plain = form.cleaned_data["plain"]
        try:
            stream = exporters.resident_export_xlsx(
                actor=user,  # type: ignore[arg-type]
                residents=residents,
                plain=plain,
                reason=form.cleaned_data["reason"],
                scope=_filters_scope(request),
            )
        except services.InvalidPeopleData as exc:
            add_problems(form, exc)
        else:
            name = f"residents-{timezone.localdate():%Y%m%d}{'-plain' if plain else ''}.xlsx"
            return FileResponse(
                stream,
                as_attachment=True,
                filename=name,
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
    return render(
        request,
        "people/export.html",
        {"form": form, "total": residents.count(), "perms": _perms(user), "query": request.GET.urlencode()},
    )


@login_required
def pick_households(request: HttpRequest) -> JsonResponse:
    """The household picker's search (``common.pickers``): addresses in the user's area, no names."""
    q = (request.GET.get("q") or "").strip()[:40]
    rows = selectors.household_list(actor=request.user, filters={"q": q})[:50]  # type: ignore[arg-type]
    items = [
        {
            "value": str(h.pk),
            "label": f"{h.compound.name} {h.address}",
            "hint": (h.grid.name if h.grid else "") + (_(" · %(n)d 人") % {"n": h.n_residents}),
            "path": "",
            "children": False,
            "selectable": True,
        }
        for h in rows
    ]
    return JsonResponse({"items": items, "crumbs": [], "query": q})
