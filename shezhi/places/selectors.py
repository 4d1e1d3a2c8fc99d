"""Reads of places, always through the acting user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from shezhi.accounts.models import User
from shezhi.accounts.roles import DivisionLevel
from shezhi.places.models import Compound, Division, Grid


def division_roots(*, actor: User) -> QuerySet[Division]:
    """The top divisions of the actor's visible tree (their own area)."""
    visible = Division.objects.visible_to(actor)
    if actor.is_superuser:
        return visible.filter(level=DivisionLevel.CITY)
    if actor.role == "grid_worker" and actor.grid is not None:
        return visible.filter(pk=actor.grid.community_id)
    if actor.division_id is None:
        return visible.none()
    return visible.filter(pk=actor.division_id)


def division_search(*, actor: User, q: str) -> QuerySet[Division]:
    """Visible divisions whose name contains ``q`` or whose code starts with it."""
    q = q.strip()
    visible = Division.objects.visible_to(actor)
    if not q:
        return visible.none()
    return visible.filter(Q(name__icontains=q) | Q(code__startswith=q)).select_related("parent")


def division_level_counts(*, actor: User, division: Division) -> dict[str, int]:
    """How many visible divisions of each level lie in ``division`` (itself included)."""
    rows = (
        Division.objects.visible_to(actor)
        .filter(code__startswith=division.prefix)
        .values("level")
        .annotate(n=Count("id"))
    )
    counts = {level.value: 0 for level in DivisionLevel}
    for row in rows:
        counts[row["level"]] = row["n"]
    return counts


def division_children(*, actor: User, division: Division) -> QuerySet[Division]:
    return (
        Division.objects.visible_to(actor)
        .filter(parent=division)
        .annotate(n_children=Count("children"))
        .order_by("code")
    )


def division_ancestors(*, actor: User, division: Division) -> list[Division]:
    """Breadcrumb: the visible ancestors of ``division``, top first."""
    chain: list[Division] = []
    node = division.parent
    visible = Division.objects.visible_to(actor)
    while node is not None:
        if visible.filter(pk=node.pk).exists():
            chain.append(node)
        node = node.parent
    return list(reversed(chain))


def grid_list(*, actor: User, filters: dict[str, Any] | None = None) -> QuerySet[Grid]:
    """Visible grids, filtered by ``kind``, ``community`` (code prefix) and ``q``."""
    filters = filters or {}
    qs = Grid.objects.visible_to(actor).select_related("community", "parent")
    if kind := filters.get("kind"):
        qs = qs.filter(kind=kind)
    if area := filters.get("area"):
        qs = qs.filter(community__code__startswith=area)
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs.order_by("code")


def compound_list(*, actor: User, grid: Grid | None = None) -> QuerySet[Compound]:
    qs = Compound.objects.visible_to(actor).select_related("community", "grid")
    if grid is not None:
        qs = qs.filter(grid__path__startswith=grid.path)
    return qs
