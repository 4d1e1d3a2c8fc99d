"""JSON endpoints of the pickers (``common.pickers``): divisions as a tree, grids and compounds
by search — always within the user's area (``visible_to``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from shezhi.accounts.roles import DivisionLevel
from shezhi.places import selectors
from shezhi.places.models import Compound, Division, Grid

LIMIT = 50


def _q(request: HttpRequest) -> str:
    return (request.GET.get("q") or "").strip()[:40]


def _levels(request: HttpRequest) -> set[str]:
    raw = request.GET.get("levels") or ""
    return {v for v in raw.split(",") if v in DivisionLevel.values}


def _path(division: Division, visible_ids: set[int] | None = None) -> str:
    names = []
    node = division.parent
    while node is not None and node.level not in (DivisionLevel.PROVINCE, DivisionLevel.CITY):
        names.append(node.name)
        node = node.parent
    return " › ".join(reversed(names))


def _division_item(d: Division, levels: set[str], n_children: int | None = None) -> dict[str, Any]:
    return {
        "value": d.code,
        "label": d.name,
        "hint": f"{d.get_level_display()} · {d.code}",
        "path": _path(d),
        "children": bool(n_children) if n_children is not None else d.level != DivisionLevel.COMMUNITY,
        "selectable": not levels or d.level in levels,
    }


@login_required
@require_GET
def pick_divisions(request: HttpRequest) -> JsonResponse:
    """Children of ``parent`` (default: the user's own area), or up to 50 matches of ``q``."""
    user = request.user
    levels = _levels(request)
    visible = Division.objects.visible_to(user)
    q = _q(request)
    if q:
        rows = (
            selectors.division_search(actor=user, q=q)  # type: ignore[arg-type]
            .select_related("parent__parent__parent")
            .order_by("level", "code")[:LIMIT]
        )
        items = [_division_item(d, levels) for d in rows]
        return JsonResponse({"items": items, "crumbs": [], "query": q})
    parent_code = request.GET.get("parent") or ""
    if parent_code:
        parent = Division.objects.get_visible_or_404(user, code=parent_code)
        rows = visible.filter(parent=parent)
        crumbs = [*selectors.division_ancestors(actor=user, division=parent), parent]  # type: ignore[arg-type]
    else:
        rows = selectors.division_roots(actor=user)  # type: ignore[arg-type]
        crumbs = []
    rows = rows.annotate(n_children=Count("children")).select_related("parent__parent").order_by("code")
    items = [_division_item(d, levels, d.n_children) for d in rows[:500]]
    return JsonResponse(
        {"items": items, "crumbs": [{"value": c.code, "label": c.name} for c in crumbs], "query": ""}
    )


@login_required
@require_GET
def pick_grids(request: HttpRequest) -> JsonResponse:
    """Grids in the user's area matching ``q`` (name, code, community name); ``community`` narrows."""
    qs = Grid.objects.visible_to(request.user).select_related("community")
    if community := request.GET.get("community"):
        qs = qs.filter(community__code=community)
    if q := _q(request):
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q) | Q(community__name__icontains=q))
    items = [
        {
            "value": g.code,
            "label": g.name,
            "hint": f"{g.community.name} · {g.get_kind_display()}",
            "path": g.code,
            "children": False,
            "selectable": True,
        }
        for g in qs.order_by("code")[:LIMIT]
    ]
    return JsonResponse({"items": items, "crumbs": [], "query": q})


@login_required
@require_GET
def pick_compounds(request: HttpRequest) -> JsonResponse:
    """Compounds in the user's area matching ``q`` (name or community name)."""
    qs = Compound.objects.visible_to(request.user).select_related("community", "grid")
    if q := _q(request):
        qs = qs.filter(Q(name__icontains=q) | Q(community__name__icontains=q))
    items = [
        {
            "value": str(c.pk),
            "label": c.name,
            "hint": c.community.name + (f" · {c.grid.name}" if c.grid else ""),
            "path": "",
            "children": False,
            "selectable": True,
        }
        for c in qs.order_by("community__code", "name")[:LIMIT]
    ]
    return JsonResponse({"items": items, "crumbs": [], "query": q})
