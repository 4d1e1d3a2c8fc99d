"""Pages of the places part: division tree, grids, map."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shezhi.accounts.roles import DivisionLevel
from shezhi.common.errors import AppError
from shezhi.common.pickers import picker_html
from shezhi.places import selectors, services
from shezhi.places.forms import GridStaffForm
from shezhi.places.models import Compound, Division, Grid, GridKind
from shezhi.places.osm import basemap_geojson


@login_required
@require_GET
def division_tree(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Browse the division tree from the user's own area down; search by name or code."""
    user = request.user
    q = request.GET.get("q", "")
    context: dict[str, Any] = {"q": q, "levels": DivisionLevel}
    if q:
        results = selectors.division_search(actor=user, q=q)  # type: ignore[arg-type]
        page = Paginator(results, 50).get_page(request.GET.get("page"))
        context.update(results=page, result_count=results.count())
        return render(request, "places/division_search.html", context)
    if code is None:
        roots = list(selectors.division_roots(actor=user))  # type: ignore[arg-type]
        if len(roots) == 1:
            node = roots[0]
        else:
            return render(request, "places/division_tree.html", {**context, "roots": roots})
    else:
        node = Division.objects.get_visible_or_404(user, code=code)
    context.update(
        node=node,
        ancestors=selectors.division_ancestors(actor=user, division=node),  # type: ignore[arg-type]
        children=selectors.division_children(actor=user, division=node),  # type: ignore[arg-type]
        counts=[
            (level, n)
            for level, n in selectors.division_level_counts(
                actor=user,
                division=node,  # type: ignore[arg-type]
            ).items()
        ],
        grids=selectors.grid_list(actor=user, filters={"area": node.prefix}).filter(kind=GridKind.TOTAL)[  # type: ignore[arg-type]
            :200
        ]
        if node.level == DivisionLevel.COMMUNITY
        else None,
    )
    return render(request, "places/division_tree.html", context)


@login_required
@require_GET
def grid_index(request: HttpRequest) -> HttpResponse:
    filters = {k: request.GET.get(k, "").strip() for k in ("kind", "area", "q")}
    area = None
    if filters["area"]:
        # The area picker sends a division code; typed without JavaScript, a code or a name.
        area = (
            Division.objects.visible_to(request.user)
            .filter(Q(code=filters["area"]) | Q(name=filters["area"]))
            .order_by("code")
            .first()
        )
    selected = {**filters, "area": area.prefix if area else filters["area"]}
    grids = selectors.grid_list(actor=request.user, filters=selected)  # type: ignore[arg-type]
    page = Paginator(grids, 50).get_page(request.GET.get("page"))
    area_picker = picker_html(
        "division",
        "area",
        area.code if area else filters["area"],
        area.name if area else "",
        aria=_("所属区划"),
    )
    return render(
        request,
        "places/grid_list.html",
        {
            "page": page,
            "filters": filters,
            "kinds": GridKind.choices,
            "total": grids.count(),
            "area_picker": area_picker,
        },
    )


@login_required
@require_GET
def grid_detail(request: HttpRequest, code: str) -> HttpResponse:
    grid = Grid.objects.get_visible_or_404(request.user, code=code)
    children = Grid.objects.visible_to(request.user).filter(parent=grid).order_by("code")
    compounds = selectors.compound_list(actor=request.user, grid=grid)  # type: ignore[arg-type]
    workers = grid.workers.filter(is_active=True)
    return render(
        request,
        "places/grid_detail.html",
        {
            "grid": grid,
            "children": children,
            "compounds": compounds,
            "workers": workers,
            "can_edit_staff": services.can_edit_grid_staff(request.user),  # type: ignore[arg-type]
        },
    )


@login_required
@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    labels = {
        "basemap": str(_("街道底图 (OSM)")),
        "district": str(_("区(市)县")),
        "street": str(_("镇(街道)")),
        "community": str(_("社区/村")),
        "grid": str(_("网格")),
        "compound": str(_("小区（院落）")),
        "households": str(_("户数")),
        "estimated": str(_("估算")),
        "generated": str(_("生成（示意）")),
    }
    return render(request, "places/map.html", {"map_labels": labels})


def _feature(geometry: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": props}


@login_required
@require_GET
def map_layers(request: HttpRequest) -> JsonResponse:
    """The visible divisions, grids and compounds as one GeoJSON FeatureCollection."""
    user = request.user
    features = [
        _feature(
            d.boundary, layer="division", level=d.level, code=d.code, name=d.name, source=d.boundary_source
        )
        for d in Division.objects.visible_to(user)
        .exclude(boundary=None)
        .filter(level__in=[DivisionLevel.DISTRICT, DivisionLevel.STREET, DivisionLevel.COMMUNITY])
        .only("code", "name", "level", "boundary", "boundary_source")
    ]
    features += [
        _feature(g.boundary, layer="grid", kind=g.kind, code=g.code, name=g.name, source=g.source)
        for g in Grid.objects.visible_to(user).only("code", "name", "kind", "boundary", "source")
    ]
    features += [
        _feature(
            {"type": "Point", "coordinates": [c.lon, c.lat]},
            layer="compound",
            id=c.pk,
            name=c.name,
            households=c.households,
            estimated=c.households_estimated,
        )
        for c in Compound.objects.visible_to(user).only(
            "name", "lon", "lat", "households", "households_estimated"
        )
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
@require_GET
def basemap(request: HttpRequest) -> JsonResponse:
    """Street lines of the bundled OSM extract: public OSM data, the same for everyone."""
    response = JsonResponse(basemap_geojson())
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def grid_staff(request: HttpRequest, code: str) -> HttpResponse:
    """一格一长一警: the 市/区 administrators set a grid's 网格长 and 网格警."""
    grid = Grid.objects.select_related("community__parent", "leader").get_visible_or_404(
        request.user, code=code
    )
    if not services.can_edit_grid_staff(request.user):  # type: ignore[arg-type]
        raise PermissionDenied("manage_users")
    initial = {
        "leader": grid.leader_id,
        "police_officer": grid.police_officer,
        "police_station": grid.police_station,
        "police_phone": grid.police_phone,
    }
    form = GridStaffForm(
        request.POST or None, initial=initial, candidates=services.leader_candidates(grid=grid)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changes = services.grid_staff_assign(
                actor=request.user,  # type: ignore[arg-type]
                grid=grid,
                leader=data["leader"],
                police_officer=data["police_officer"],
                police_station=data["police_station"],
                police_phone=data["police_phone"],
            )
        except AppError as exc:
            form.add_app_error(exc)
        else:
            if changes:
                messages.success(request, _("网格长、网格警已更新"))
            return redirect("places:grid", code=grid.code)
    return render(request, "places/grid_staff.html", {"grid": grid, "form": form})
