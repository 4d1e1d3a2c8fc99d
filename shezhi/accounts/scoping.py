"""The one scoping primitive: ``Model.objects.visible_to(user)``.

Every page and every API operation that reads a scoped model goes through
:meth:`ScopedQuerySet.visible_to`. A scoped model declares *where* it lies with an
:class:`AreaScope`: the lookup to its 12-digit division code and, if it sits in a grid,
the lookup to that grid's hierarchical path. Area access then follows one rule set:

* 市级管理员/审计员/区级/街道/社区 staff see everything whose division code starts with
  the significant prefix of their own division (2 province, 2 city, 2 district,
  3 street, 3 community digits);
* 网格员 see only objects in their grid or its sub-grids; for models that are not in a
  grid (the division tree itself) they see their grid's community;
* 居民 and 社会组织 see only models marked ``public`` (the official division tree), and
  there only their own community;
* anonymous and inactive users see nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.db import models
from django.http import Http404

from shezhi.accounts.roles import STAFF_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shezhi.accounts.models import User

M = TypeVar("M", bound=models.Model)
V = TypeVar("V", bound=Callable[..., Any])


@dataclass(frozen=True)
class AreaScope:
    """Where a scoped model's rows lie.

    ``division``: lookup to the 12-digit 区划代码 of the row's (lowest) division.
    ``grid``: lookup to the ``path`` of the row's grid, or None if it has no grid.
    ``public``: residents and partners may read rows of their own community.
    """

    division: str
    grid: str | None = None
    public: bool = False


class ScopedQuerySet(models.QuerySet[M]):
    """QuerySet of a model with an ``area_scope``; use :meth:`visible_to` for every read."""

    def _scope(self) -> AreaScope:
        scope = getattr(self.model, "area_scope", None)
        if not isinstance(scope, AreaScope):
            raise TypeError(f"{self.model.__name__} declares no area_scope")
        return scope

    def visible_to(self, user: User | AnonymousUser | None) -> Self:
        """Rows this user may read, by role and area (least privilege)."""
        scope = self._scope()
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        prefix = user.area_prefix
        if prefix is None:
            return self.none()
        role = Role(user.role)
        if role == Role.GRID_WORKER:
            if user.grid is None:
                return self.none()
            if scope.grid is None:
                return self.filter(**{scope.division: user.grid.community.code})
            return self.filter(**{f"{scope.grid}__startswith": user.grid.path})
        if role in STAFF_ROLES:
            return self.filter(**{f"{scope.division}__startswith": prefix})
        if scope.public:
            return self.filter(**{scope.division: user.division.code})  # type: ignore[union-attr]
        return self.none()

    def get_visible_or_404(self, user: User | AnonymousUser | None, **lookup: Any) -> M:
        """The one row matching ``lookup`` among those visible to ``user``, else 404.

        An object of another area answers exactly like one that does not exist.
        """
        try:
            return self.visible_to(user).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404 from exc


def not_area_scoped(reason: str) -> Callable[[V], V]:
    """Mark a view whose URL parameters are not area identifiers (city-wide configuration).

    The area-isolation walk still requests such a view with other areas' identifiers and
    checks it leaks nothing; it only does not demand a 404 from it.
    """

    def mark(view: V) -> V:
        view.not_area_scoped = reason  # type: ignore[attr-defined]
        return view

    return mark


def scoped_models() -> list[type[models.Model]]:
    """Every installed model that declares an area scope (for checks and tests)."""
    from django.apps import apps

    return [m for m in apps.get_models() if isinstance(getattr(m, "area_scope", None), AreaScope)]
