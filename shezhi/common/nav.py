"""Navigation and workbench cards, contributed by each app.

Every app may hold a ``nav`` module (``shezhi/<app>/nav.py``) with either or both of:

- ``nav_items(user) -> list[NavItem]``: the links this app offers this user (only what the
  role can use: no link leads to a 403);
- ``work_cards(user) -> list[WorkCard]``: what this user has to do today in this app
  (to sign, handle, approve, revisit, chase…), counted in the user's own area.

The base layout and the 工作台 home page collect them over ``INSTALLED_APPS`` (the way Django
autodiscovers ``admin`` modules), so an app adds its part of the site without editing the
project's templates, and ``common`` imports no app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils.module_loading import module_has_submodule

#: The parts of the product, in the order the navigation shows them.
PARTS = ("base", "lifecircle", "cases", "participation", "indicators", "eldercare", "account")


@dataclass(frozen=True)
class NavItem:
    """A link in the navigation. ``part`` is one of :data:`PARTS`; ``phone`` puts it in the
    phone's bottom bar (at most four or five per role make sense there)."""

    part: str
    label: Any  # str or a lazy translation
    url: str
    order: int = 50
    phone: bool = False
    icon: str = ""


@dataclass(frozen=True)
class WorkCard:
    """One line of a role's to-do list on the 工作台: a count and where to act on it.

    ``tone`` is ``info``, ``ok``, ``warn`` or ``danger`` (overdue); ``count`` is None for a
    card that is a link rather than a number."""

    part: str
    title: Any
    url: str
    count: int | None = None
    tone: str = "info"
    hint: Any = ""
    order: int = 50


def _app_hooks(name: str) -> Iterable[Callable[[Any], list[Any]]]:
    for config in apps.get_app_configs():
        if not config.name.startswith("shezhi.") or not module_has_submodule(config.module, "nav"):
            continue
        hook = getattr(import_module(f"{config.name}.nav"), name, None)
        if hook is not None:
            yield hook


def nav_items(user: Any) -> list[NavItem]:
    """Every app's links for ``user``, by part and order."""
    if not getattr(user, "is_authenticated", False):
        return []
    items = [item for hook in _app_hooks("nav_items") for item in hook(user)]
    return sorted(items, key=lambda i: (PARTS.index(i.part) if i.part in PARTS else len(PARTS), i.order))


def work_cards(user: Any) -> list[WorkCard]:
    """Every app's to-do cards for ``user``, by part and order."""
    if not getattr(user, "is_authenticated", False):
        return []
    cards = [card for hook in _app_hooks("work_cards") for card in hook(user)]
    return sorted(cards, key=lambda c: (PARTS.index(c.part) if c.part in PARTS else len(PARTS), c.order))
