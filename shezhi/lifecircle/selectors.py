"""Reads of the life-circle part."""

from __future__ import annotations

from django.db.models import QuerySet

from shezhi.lifecircle.models import ServiceElement, StandardVersion


def standard_current() -> StandardVersion | None:
    """The newest version of the configuration standard."""
    return StandardVersion.objects.order_by("-number").first()


def element_list(*, version: StandardVersion) -> QuerySet[ServiceElement]:
    return version.elements.order_by("level_minutes", "circle", "code")
