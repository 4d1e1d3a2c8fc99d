"""Writes of the life-circle part: the configuration standard and its revisions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from shezhi.accounts.models import User
from shezhi.accounts.roles import DivisionLevel, Role
from shezhi.common.coords import CRS, to_wgs84
from shezhi.lifecircle import selectors
from shezhi.lifecircle.matching import CategoryMatcher
from shezhi.lifecircle.models import (
    AnalysisRun,
    CandidateSite,
    CandidateSource,
    RunStatus,
    ServiceElement,
    SitingStudy,
    StandardVersion,
    Walker,
)
from shezhi.lifecircle.osm_pois import read_osm_pois
from shezhi.lifecircle.standard import BASIS, DEFAULT_ELEMENTS
from shezhi.people.models import FacilityCategory
from shezhi.places.locator import locate_points
from shezhi.places.models import Division, Source
from shezhi.places.osm import BUNDLED_PBF

#: What an OSM import sets on a facility (and updates on re-import).
OSM_FACILITY_FIELDS = ["name", "category", "level", "community_id", "grid_id", "lon", "lat"]

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
    new: list[Facility] = []
    changed: list[Facility] = []
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
        Facility.objects.bulk_update(changed, OSM_FACILITY_FIELDS)
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


# --------------------------------------------------------------------------- siting


def candidate_add(
    *,
    actor: User,
    run: AnalysisRun,
    name: str,
    lon: float,
    lat: float,
    crs: str = "wgs84",
    floor_area_m2: float | None = None,
    note: str = "",
) -> CandidateSite:
    """A planner's candidate lot inside the run's area (coordinates converted to WGS-84)."""
    if not may_analyse(actor):
        raise PermissionDenied("无权录入候选用地 / not allowed to add candidate sites")
    wlon, wlat = to_wgs84(lon, lat, CRS(crs))
    placement = locate_points([wlon], [wlat], within=run.area.prefix)[0]
    if placement.community_id is None:
        raise ValidationError({"lon": "该位置不在评估范围内 / this point is outside the evaluated area"})
    community = Division.objects.get(pk=placement.community_id)
    if not Division.objects.visible_to(actor).filter(pk=community.pk).exists():
        raise PermissionDenied("不在您的辖区 / outside your area")
    site = CandidateSite(
        area=community,
        name=name.strip(),
        lon=wlon,
        lat=wlat,
        floor_area_m2=floor_area_m2,
        note=note,
        created_by=actor,
    )
    site.full_clean()
    site.save()
    return site


def siting_recommend(*, actor: User, run: AnalysisRun, element_code: str, p: int, source: str) -> SitingStudy:
    """Run the MCLP for one element of a finished run and store the recommendation."""
    from shezhi.lifecircle import siting
    from shezhi.lifecircle.analysis import Rule
    from shezhi.lifecircle.mapdata import run_inputs
    from shezhi.lifecircle.network import run_network
    from shezhi.people.models import Facility

    if not may_analyse(actor):
        raise PermissionDenied("无权发起选址推荐 / not allowed to recommend sites")
    if run.status != RunStatus.DONE:
        raise ValidationError("评估尚未完成 / the evaluation has not finished")
    if not 1 <= p <= 20:
        raise ValidationError({"p": "新增设施数须在 1 到 20 之间 / p must be between 1 and 20"})
    element = run.standard.elements.filter(code=element_code).first()
    if element is None:
        raise ValidationError({"element": "未知的服务要素 / unknown element"})
    net = run_network(run)
    inputs, origins = run_inputs(run)
    if source == CandidateSource.LOTS:
        lots = list(CandidateSite.objects.visible_to(actor).filter(area__code__startswith=run.area.prefix))
        candidates = siting.Candidates(
            np.array([c.lon for c in lots]), np.array([c.lat for c in lots]), [c.name for c in lots]
        )
    elif source == CandidateSource.PUBLIC:
        hosts = list(
            Facility.objects.visible_to(actor)
            .filter(category__in=siting.PUBLIC_HOSTS, community__code__startswith=run.area.prefix)
            .values_list("name", "lon", "lat")
        )
        candidates = siting.Candidates(
            np.array([h[1] for h in hosts]), np.array([h[2] for h in hosts]), [h[0] for h in hosts]
        )
    elif source == CandidateSource.NODES:
        candidates = siting.network_nodes(net, inputs)
    else:
        raise ValidationError({"source": "未知的候选来源 / unknown candidate source"})
    try:
        result = siting.recommend(net, inputs, origins, Rule.of(element), candidates, p=p)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    return SitingStudy.objects.create(
        run=run, element=element.code, p=p, source=source, result=result, created_by=actor
    )
