"""Writes of the life-circle part: the configuration standard and its revisions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.lifecircle.models import ServiceElement, StandardVersion
from shezhi.lifecircle.standard import BASIS, DEFAULT_ELEMENTS
from shezhi.people.models import FacilityCategory

#: Fields of an element a revision may change (the code is its identity).
EDITABLE = (
    "name",
    "circle",
    "kind",
    "level_minutes",
    "radius_m",
    "space_per_100_households_m2",
    "residents_per_facility",
    "sources",
    "basis",
)


def standard_seed_default() -> StandardVersion:
    """Version 1, the documented default set; does nothing if any version exists."""
    existing = StandardVersion.objects.order_by("number").first()
    if existing is not None:
        return existing
    with transaction.atomic():
        version = StandardVersion.objects.create(
            number=1, title="默认配置标准 / default standard", basis=BASIS, note="初始版本 / initial"
        )
        ServiceElement.objects.bulk_create(
            ServiceElement(version=version, **element) for element in DEFAULT_ELEMENTS
        )
    return version


def standard_revise(
    *,
    actor: User,
    note: str,
    changes: Mapping[str, Mapping[str, Any]] | None = None,
    add: list[Mapping[str, Any]] | None = None,
    remove: list[str] | None = None,
) -> StandardVersion:
    """A new version: the current one with ``changes`` (by element code), ``add`` and ``remove``.

    Only a city administrator revises the standard. Every element of the new version is
    validated; on any error nothing is written and :class:`ValidationError` names the
    element and field.
    """
    if not (actor.is_superuser or actor.role == Role.CITY_ADMIN):
        raise PermissionDenied(
            "只有市级管理员可以修订配置标准 / only a city administrator may revise the standard"
        )
    if not note.strip():
        raise ValidationError({"note": "请填写修订说明 / a revision note is required"})
    changes = changes or {}
    remove = remove or []
    with transaction.atomic():
        current = StandardVersion.objects.select_for_update().order_by("-number").first()
        if current is None:
            raise ValidationError("尚无配置标准 / no standard to revise")
        elements = {e.code: e for e in current.elements.all()}
        unknown = (set(changes) | set(remove)) - set(elements)
        if unknown:
            raise ValidationError(
                {"code": f"未知的服务要素：{', '.join(sorted(unknown))} / unknown elements"}
            )
        version = StandardVersion.objects.create(
            number=current.number + 1, title=current.title, basis=current.basis, note=note, created_by=actor
        )
        new: list[ServiceElement] = []
        for code, element in elements.items():
            if code in remove:
                continue
            values = {f: getattr(element, f) for f in EDITABLE}
            edits = changes.get(code, {})
            bad = set(edits) - set(EDITABLE)
            if bad:
                raise ValidationError({code: f"不可修改的字段：{', '.join(sorted(bad))} / not editable"})
            values.update(edits)
            new.append(ServiceElement(version=version, code=code, **values))
        for element in add or []:
            if element.get("code") in elements and element.get("code") not in remove:
                raise ValidationError({"code": f"要素编码已存在：{element['code']} / code exists"})
            if element.get("code") not in FacilityCategory.values:
                raise ValidationError(
                    {
                        "code": f"基础数据库中没有此类设施：{element.get('code')} / "
                        "not a facility category of the basic database"
                    }
                )
            new.append(ServiceElement(version=version, **element))
        for element in new:
            try:
                element.full_clean(exclude=["version"])
            except ValidationError as exc:
                raise ValidationError({element.code or "?": exc.messages}) from exc
        ServiceElement.objects.bulk_create(new)
    return version
