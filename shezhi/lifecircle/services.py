"""Writes of the life-circle part: the configuration standard and its revisions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from shezhi.accounts.models import User
from shezhi.accounts.roles import DivisionLevel, Role
from shezhi.lifecircle import selectors
from shezhi.lifecircle.matching import CategoryMatcher
from shezhi.lifecircle.models import AnalysisRun, RunStatus, ServiceElement, StandardVersion, Walker
from shezhi.lifecircle.osm_pois import read_osm_pois
from shezhi.lifecircle.standard import BASIS, DEFAULT_ELEMENTS
from shezhi.people.models import FacilityCategory
from shezhi.places.locator import locate_points
from shezhi.places.models import Division, Source
from shezhi.places.osm import BUNDLED_PBF

#: Roles that evaluate the life circle of their area.
ANALYSTS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.PLANNER})

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


# --------------------------------------------------------------------------- facilities


@dataclass
class FacilityImportReport:
    created: int = 0
    updated: int = 0
    outside: int = 0
    by_element: dict[str, int] = field(default_factory=dict)


def facilities_import_osm(*, pbf: Path = BUNDLED_PBF, within: str = "") -> FacilityImportReport:
    """Service-element POIs of an OSM extract into the basic database's facilities.

    Matched to elements through the current standard's source mapping; placed in their
    community and grid; POIs outside every community of ``within`` (a division prefix) are
    counted, not stored. Re-importing updates the same rows (matched by OSM id).
    """
    from shezhi.people.models import Facility, FacilityLevel

    current = selectors.standard_current()
    if current is None:
        raise ValidationError("尚无配置标准 / no standard")
    elements = {e.code: e for e in current.elements.all()}
    pois = read_osm_pois(pbf, CategoryMatcher.for_elements(elements.values()))
    placements = locate_points([p.lon for p in pois], [p.lat for p in pois], within=within)
    level = {5: FacilityLevel.FIVE, 10: FacilityLevel.TEN, 15: FacilityLevel.FIFTEEN}
    report = FacilityImportReport()
    existing = {
        f.source_ref: f for f in Facility.objects.filter(source=Source.OSM, source_ref__startswith="osm:")
    }
    seen: set[str] = set()
    new, changed = [], []
    for poi, place in zip(pois, placements, strict=True):
        ref = f"osm:{poi.ref}"
        if place.community_id is None or ref in seen:
            report.outside += place.community_id is None
            continue
        seen.add(ref)
        element = elements[poi.element]
        values = {
            "name": poi.name or element.name,
            "category": poi.element,
            "level": level[element.level_minutes],
            "community_id": place.community_id,
            "grid_id": place.grid_id,
            "lon": poi.lon,
            "lat": poi.lat,
        }
        report.by_element[poi.element] = report.by_element.get(poi.element, 0) + 1
        if ref in existing:
            facility = existing[ref]
            if any(getattr(facility, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(facility, k, v)
                changed.append(facility)
        else:
            new.append(Facility(source=Source.OSM, source_ref=ref, **values))
    with transaction.atomic():
        Facility.objects.bulk_create(new)
        Facility.objects.bulk_update(changed, list(values) if changed else ["name"])
    report.created, report.updated = len(new), len(changed)
    return report


# --------------------------------------------------------------------------- analysis runs


def may_analyse(user: User) -> bool:
    return bool(user.is_superuser or user.role in ANALYSTS)


def analysis_start(*, actor: User, area: Division, walker: str = Walker.ADULT) -> AnalysisRun:
    """Queue an evaluation of ``area`` (which the actor must see) on the task backend."""
    from shezhi.lifecircle.tasks import run_analysis

    if not may_analyse(actor):
        raise PermissionDenied("无权发起生活圈评估 / not allowed to start an evaluation")
    if not Division.objects.visible_to(actor).filter(pk=area.pk).exists():
        raise PermissionDenied("不在您的辖区 / outside your area")
    if area.level not in (
        DivisionLevel.CITY,
        DivisionLevel.DISTRICT,
        DivisionLevel.STREET,
        DivisionLevel.COMMUNITY,
    ):
        raise ValidationError(
            {"area": "评估范围须为市、区、街道或社区 / choose a city, district, street or community"}
        )
    standard = selectors.standard_current()
    if standard is None:
        raise ValidationError("尚无配置标准 / no standard")
    with transaction.atomic():
        run = AnalysisRun.objects.create(area=area, standard=standard, walker=walker, created_by=actor)
        transaction.on_commit(lambda: run_analysis.enqueue(run.pk))
    return run


def analysis_cancel(*, actor: User, run: AnalysisRun) -> bool:
    """Cancel a queued or running evaluation; the worker stops at its next stage."""
    if not (actor.is_superuser or actor.pk == run.created_by_id or actor.role in ANALYSTS):
        raise PermissionDenied("无权取消 / not allowed to cancel")
    changed = AnalysisRun.objects.filter(pk=run.pk, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(
        status=RunStatus.CANCELLED, finished_at=timezone.now(), stage="cancelled"
    )
    return changed == 1
