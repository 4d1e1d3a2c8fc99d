"""Load any OpenStreetMap extract: network, compounds, buildings, facilities (© OSM contributors, ODbL).

:func:`load_extract` is the one loader, behind ``manage.py load_osm`` and the administrator's
upload page. It works in two halves:

1. *staging*, without writing a place: check and copy the file (size, memory, PBF header),
   parse the walking network (engine, cached under ``var/networks`` by content hash),
   read compounds, buildings and service-element POIs, place them in the communities of
   the clip division (deriving approximate community boundaries, marked 生成（示意）, where
   the installation has none), and diff them against what is stored, by OSM id;
2. *swap*: one transaction writes the diff (create, update in place, retire compounds and
   delete facilities that left the extract) and makes the extract current for its area.

A failure or a cancel anywhere before the swap commits leaves every place as it was and
the extract marked failed/cancelled; it never becomes current. Compounds that left the
extract are retired, not deleted, so earlier runs keep their results, and the networks of
earlier extracts stay in the cache, so their maps and reports still open.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from shezhi.accounts.models import User
from shezhi.accounts.roles import DivisionLevel
from shezhi.common.errors import AppError
from shezhi.engine.errors import NetworkError
from shezhi.engine.network import FORMAT_VERSION, WalkNetwork
from shezhi.lifecircle.matching import CategoryMatcher
from shezhi.lifecircle.osm_pois import read_osm_pois
from shezhi.places.geometry import as_geojson
from shezhi.places.locator import locate_points
from shezhi.places.models import Building, Compound, Division, ExtractStatus, OsmExtract, Source
from shezhi.places.osm_extract import read_extract_places

Progress = Callable[[int, str], None]

#: The largest extract the platform loads, unless settings say otherwise (SHEZHI_OSM_MAX_BYTES).
DEFAULT_MAX_BYTES = 1024 * 1024 * 1024
#: Memory a load needs per byte of PBF (measured on the bundled extract: ≈ 40×, with margin).
MEMORY_PER_PBF_BYTE = 60
#: What an OSM load sets on a facility (and updates on re-load).
FACILITY_FIELDS = ["name", "category", "level", "community_id", "grid_id", "lon", "lat"]
COMPOUND_FIELDS = ["name", "community_id", "grid_id", "lon", "lat", "boundary", "households", "retired_at"]
BUILDING_FIELDS = ["compound_id", "name", "floors", "lon", "lat", "footprint"]
GENERATED_NOTE = "由 OSM 数据范围生成，非官方边界 / generated from the extract's extent, not official"


class Cancelled(Exception):
    """The load was cancelled before its swap."""


def max_bytes() -> int:
    return int(getattr(settings, "SHEZHI_OSM_MAX_BYTES", DEFAULT_MAX_BYTES))


def extract_dir() -> Path:
    path = Path(settings.VAR_DIR) / "extracts"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _mb(n: float) -> str:
    return f"{n / 1024 / 1024:,.1f} MB"


def _available_memory() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def rejected(code: str, zh: str, en: str) -> AppError:
    return AppError(zh, en, code=code, status=422)


def check_file(path: Path) -> int:
    """Size of a loadable PBF, or :class:`AppError` saying why it is not loadable."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise rejected("no_file", f"找不到文件 {path.name}", f"no such file: {path.name}") from exc
    if size > max_bytes():
        raise rejected(
            "too_large",
            f"文件 {_mb(size)} 超过上限 {_mb(max_bytes())}；请按区裁剪后分别载入",
            f"the file ({_mb(size)}) exceeds the {_mb(max_bytes())} limit; clip it per district",
        )
    available = _available_memory()
    if available is not None and size * MEMORY_PER_PBF_BYTE > available:
        raise rejected(
            "too_large_for_memory",
            f"载入约需 {_mb(size * MEMORY_PER_PBF_BYTE)} 内存，本机可用 {_mb(available)}；请裁剪后分别载入",
            f"loading needs about {_mb(size * MEMORY_PER_PBF_BYTE)} of memory, {_mb(available)} available;"
            " clip the extract",
        )
    with path.open("rb") as fh:
        head = fh.read(64)
    if b"OSMHeader" not in head:
        raise rejected(
            "not_pbf",
            "不是 OSM PBF 文件（文件开头没有 OSMHeader）",
            "not an OSM PBF file (no OSMHeader block at the start)",
        )
    return size


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Diff:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    def note(self, kind: str, name: str) -> None:
        shown = self.examples.setdefault(kind, [])
        if len(shown) < 5:
            shown.append(name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "examples": self.examples,
        }


@dataclass
class LoadReport:
    extract: OsmExtract
    network_parsed: bool
    timings: dict[str, float]

    @property
    def counts(self) -> dict[str, Any]:
        return self.extract.counts

    @property
    def changes(self) -> dict[str, Any]:
        return self.extract.changes


# --------------------------------------------------------------------------- placing


@dataclass
class _Placer:
    """Community (and grid) of points: stored boundaries, or ones derived for this load."""

    prefix: str
    generated: dict[int, BaseGeometry] = field(default_factory=dict)

    def place(self, lon: list[float], lat: list[float]) -> list[tuple[int | None, int | None]]:
        if not lon:
            return []
        if not self.generated:
            return [(p.community_id, p.grid_id) for p in locate_points(lon, lat, within=self.prefix)]
        ids = list(self.generated)
        tree = shapely.STRtree([self.generated[i] for i in ids])
        pts = shapely.points(np.asarray(lon), np.asarray(lat))
        p_idx, g_idx = tree.query(pts, predicate="intersects")
        out: list[tuple[int | None, int | None]] = [(None, None)] * len(lon)
        for p, g in zip(p_idx.tolist(), g_idx.tolist(), strict=True):
            if out[p][0] is None:
                out[p] = (ids[g], None)
        return out


def _derive_boundaries(area: Division, region: BaseGeometry) -> dict[int, tuple[Division, BaseGeometry]]:
    """Approximate boundaries for ``area``'s streets and communities over ``region``.

    The same reproducible tessellation as the demo (seeded centroidal Voronoi cells): the
    names and codes are official, the shapes are not, and they are stored as 生成（示意）.
    """
    if area.level == DivisionLevel.COMMUNITY:
        return {area.pk: (area, region)}
    return _derive_in(area, region, np.random.default_rng(int(area.code) % (2**32)))


def _derive_in(
    area: Division, region: BaseGeometry, rng: np.random.Generator
) -> dict[int, tuple[Division, BaseGeometry]]:
    from shezhi.places.demo import partition

    out: dict[int, tuple[Division, BaseGeometry]] = {}
    children = list(area.children.order_by("code"))
    if not children:
        return out
    for child, cell in zip(children, partition(region, len(children), rng), strict=True):
        out[child.pk] = (child, cell)
        if child.level != DivisionLevel.COMMUNITY:
            out.update(_derive_in(child, cell, rng))
    return out


def _needs_boundaries(area: Division) -> bool:
    """True when no community under ``area`` has a boundary (so nothing could be placed)."""
    communities = Division.objects.filter(code__startswith=area.prefix, level=DivisionLevel.COMMUNITY)
    if area.level == DivisionLevel.COMMUNITY:
        communities = Division.objects.filter(pk=area.pk)
    return not communities.filter(boundary__isnull=False).exists()


# --------------------------------------------------------------------------- the loader


def load_extract(
    path: Path | str,
    *,
    name: str = "",
    clip_to: str | None = None,
    actor: User | None = None,
    progress: Progress | None = None,
    extract: OsmExtract | None = None,
) -> LoadReport:
    """Load ``path`` (clipped to the division ``clip_to``) and make it current for that area.

    Raises :class:`AppError` (nothing changed) for a missing, corrupt, truncated, too large
    or walk-less file, an unknown division, or a division the extract does not overlap;
    :class:`Cancelled` when ``progress`` raises it.
    """
    path = Path(path)
    timings: dict[str, float] = {}
    if extract is None:  # from the command line: refuse a bad file before recording anything
        area = _clip_division(clip_to)
        size = check_file(path)
        extract = OsmExtract.objects.create(
            name=(name or path.name)[:200], sha256="", size_bytes=size, area=area, created_by=actor
        )
    else:
        area = extract.area
    pk = extract.pk

    def stage(pct: int, label: str) -> None:
        # Compare-and-swap: a page that cancelled the load flipped the status meanwhile.
        if (
            OsmExtract.objects.filter(pk=pk, status=ExtractStatus.LOADING).update(progress=pct, stage=label)
            != 1
        ):
            raise Cancelled
        if progress is not None:
            progress(pct, label)

    try:
        size = check_file(path)
        t0 = time.perf_counter()
        sha = _sha256(path)
        timings["hash_s"] = time.perf_counter() - t0
        OsmExtract.objects.filter(pk=pk).update(sha256=sha, size_bytes=size)
        report = _load(path, extract, area, sha, stage, timings)
    except Cancelled:
        OsmExtract.objects.filter(pk=pk).update(status=ExtractStatus.CANCELLED, stage="cancelled")
        raise
    except AppError as exc:
        OsmExtract.objects.filter(pk=pk).update(
            status=ExtractStatus.FAILED, error=exc.message_zh + " / " + exc.message_en, stage="failed"
        )
        raise
    except Exception as exc:
        OsmExtract.objects.filter(pk=pk).update(
            status=ExtractStatus.FAILED, error=str(exc)[:2000], stage="failed"
        )
        raise
    return report


def _clip_division(code: str | None) -> Division | None:
    if not code:
        return None
    area = Division.objects.filter(code=code).first()
    if area is None:
        raise rejected("unknown_division", f"未知的区划代码 {code}", f"unknown division code {code}")
    return area


def _load(
    path: Path,
    extract: OsmExtract,
    area: Division | None,
    sha: str,
    stage: Progress,
    timings: dict[str, float],
) -> LoadReport:
    from shezhi.lifecircle import selectors
    from shezhi.lifecircle.network import cache_dir, remember
    from shezhi.lifecircle.services import standard_seed_default

    # 1. keep a copy of the file under var/extracts, named by its content
    stage(5, "copy")
    stored = extract_dir() / f"{sha[:16]}.osm.pbf"
    if not stored.exists():
        tmp = stored.with_suffix(".tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, stored)
    key = f"{sha[:16]}-f{FORMAT_VERSION}"

    # 2. the walking network, parsed once per content
    stage(10, "network")
    t0 = time.perf_counter()
    cached = cache_dir() / f"{key}.npz"
    parsed = not cached.exists()
    try:
        if parsed:
            net = WalkNetwork.from_pbf(stored)
            tmp_npz = cached.with_suffix(".tmp.npz")
            net.save(tmp_npz)
            tmp_npz.replace(cached)
        else:
            net = WalkNetwork.load(cached)
    except NetworkError as exc:
        text = str(exc).replace(str(stored), path.name)
        if "no walkable way" in text:
            raise rejected(
                "no_walkable_ways",
                "文件中没有可步行的道路，无法构建步行路网",
                f"the extract holds no walkable way: {text}",
            ) from exc
        if "falls apart" in text:
            raise rejected(
                "network_broken",
                "步行路网断裂成许多互不相连的小块（最大的一块不足一半），据此评估会出错；请检查数据是否完整",
                f"the walking network falls apart; answers on it would be wrong: {text}",
            ) from exc
        raise rejected(
            "bad_pbf", "文件损坏、被截断或不是 OSM PBF，无法读取", f"the file cannot be read: {text}"
        ) from exc
    remember(key, net)
    timings["network_s"] = time.perf_counter() - t0
    lon, lat = net.node_lon, net.node_lat
    bounds = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    extent = shapely.convex_hull(shapely.multipoints(np.column_stack([lon, lat])))

    # 3. where the places go: the clip division's boundary, or the extract's extent
    clip: BaseGeometry | None = None
    placer = _Placer(prefix=area.prefix if area else "")
    derived: dict[int, tuple[Division, BaseGeometry]] = {}
    if area is not None:
        if area.boundary:
            clip = shape(area.boundary)
            if not clip.intersects(box(*bounds)):
                raise rejected(
                    "outside_division",
                    f"OSM 数据范围与“{area.name}”的边界不相交（坐标系是否有误？）",
                    f"the extract does not overlap {area.code}'s boundary (wrong coordinate system?)",
                )
        if _needs_boundaries(area):
            region = clip if clip is not None else extent.buffer(0.002)
            derived = _derive_boundaries(area, region)
            placer.generated = {
                pk: geom for pk, (d, geom) in derived.items() if d.level == DivisionLevel.COMMUNITY
            }
            if clip is None:
                clip = region

    # 4. compounds and buildings
    stage(40, "places")
    t0 = time.perf_counter()
    try:
        places = read_extract_places(stored, clip)
    except RuntimeError as exc:
        raise rejected("bad_pbf", "文件损坏或被截断，无法读取", f"the file cannot be read ({exc})") from exc
    timings["places_s"] = time.perf_counter() - t0

    # 5. service facilities, matched to the current standard's elements
    stage(60, "facilities")
    t0 = time.perf_counter()
    standard = selectors.standard_current() or standard_seed_default()
    elements = {e.code: e for e in standard.elements.all()}
    try:
        pois = read_osm_pois(stored, CategoryMatcher.for_elements(elements.values()))
    except RuntimeError as exc:
        raise rejected("bad_pbf", "文件损坏或被截断，无法读取", f"the file cannot be read ({exc})") from exc
    if clip is not None:
        shapely.prepare(clip)
        inside = shapely.contains_xy(clip, [p.lon for p in pois], [p.lat for p in pois]) if pois else []
        pois = [p for p, ok in zip(pois, inside, strict=True) if ok]
    timings["facilities_s"] = time.perf_counter() - t0

    # 6. place and diff (still nothing written)
    stage(75, "diff")
    t0 = time.perf_counter()
    points = [c.polygon.representative_point() for c in places.compounds]
    compound_at = placer.place([p.x for p in points], [p.y for p in points])
    poi_at = placer.place([p.lon for p in pois], [p.lat for p in pois])
    plan = _plan(extract, area, places, points, compound_at, pois, poi_at, elements, bounds)
    timings["diff_s"] = time.perf_counter() - t0
    stage(85, "swap")

    # 7. swap: one transaction writes it all and makes the extract current
    t0 = time.perf_counter()
    with transaction.atomic():
        for pk, (_division, geom) in derived.items():
            Division.objects.filter(pk=pk).update(boundary=as_geojson(geom), boundary_source=Source.GENERATED)
        if area is not None and derived and not area.boundary:
            Division.objects.filter(pk=area.pk).update(
                boundary=as_geojson(clip), boundary_source=Source.GENERATED
            )
        changes = plan.write()
        counts = {
            "nodes": int(net.n_nodes),
            "edges": int(net.n_edges),
            "compounds": len(plan.compounds),
            "buildings": len(plan.buildings),
            "facilities": len(plan.facilities),
            "facilities_by_element": plan.by_element,
            "outside": plan.outside,
            "households": int(sum(v["households"] for v in plan.compounds.values())),
            "generated_boundaries": len(derived),
        }
        previous = OsmExtract.objects.select_for_update().filter(status=ExtractStatus.CURRENT, area=area)
        changes["replaced"] = list(previous.values_list("pk", flat=True))
        previous.update(status=ExtractStatus.SUPERSEDED)
        updated = OsmExtract.objects.filter(pk=extract.pk, status=ExtractStatus.LOADING).update(
            status=ExtractStatus.CURRENT,
            progress=100,
            stage="done",
            path=str(stored),
            network_key=key,
            west=bounds[0],
            south=bounds[1],
            east=bounds[2],
            north=bounds[3],
            counts=counts,
            changes=changes,
            loaded_at=timezone.now(),
        )
        if updated != 1:  # cancelled from the page meanwhile: roll everything back
            raise Cancelled
    timings["swap_s"] = time.perf_counter() - t0
    extract.refresh_from_db()
    return LoadReport(extract=extract, network_parsed=parsed, timings=timings)


@dataclass
class _Plan:
    area: Division | None
    bounds: tuple[float, float, float, float]
    compounds: dict[str, dict[str, Any]] = field(default_factory=dict)
    buildings: dict[str, dict[str, Any]] = field(default_factory=dict)
    building_compound: dict[str, str] = field(default_factory=dict)
    facilities: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_element: dict[str, int] = field(default_factory=dict)
    outside: dict[str, int] = field(default_factory=dict)

    def _in_scope(self, qs: Any, community_field: str) -> Any:
        """Stored OSM rows this extract speaks for: in its area and within its extent."""
        west, south, east, north = self.bounds
        qs = qs.filter(lon__gte=west, lon__lte=east, lat__gte=south, lat__lte=north)
        if self.area is not None:
            qs = qs.filter(**{f"{community_field}__code__startswith": self.area.prefix})
        return qs

    def write(self) -> dict[str, Any]:
        from shezhi.people.models import Facility

        now = timezone.now()
        compounds, buildings, facilities = Diff(), Diff(), Diff()
        # compounds, by OSM id; those that left the extract are retired, not deleted
        existing = {
            c.source_ref: c
            for c in Compound.objects.filter(source=Source.OSM, source_ref__in=list(self.compounds))
        }
        new, changed = [], []
        for ref, values in self.compounds.items():
            row = existing.get(ref)
            if row is None:
                new.append(Compound(source=Source.OSM, source_ref=ref, households_estimated=True, **values))
                compounds.created += 1
                compounds.note("created", values["name"])
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                changed.append(row)
                compounds.updated += 1
                compounds.note("updated", values["name"])
            else:
                compounds.unchanged += 1
        Compound.objects.bulk_create(new, batch_size=2000)
        Compound.objects.bulk_update(changed, COMPOUND_FIELDS, batch_size=2000)
        gone = (
            self._in_scope(Compound.objects.filter(source=Source.OSM, retired_at__isnull=True), "community")
            .exclude(source_ref__in=list(self.compounds))
            .exclude(source_ref="")
        )
        for c in gone[:5]:
            compounds.note("removed", c.name)
        compounds.removed = gone.update(retired_at=now)
        compound_id = dict(
            Compound.objects.filter(source=Source.OSM, source_ref__in=list(self.compounds)).values_list(
                "source_ref", "pk"
            )
        )
        # buildings, by OSM id within their compound
        stored_buildings = {
            b.source_ref: b
            for b in Building.objects.filter(source=Source.OSM, compound_id__in=list(compound_id.values()))
        }
        new_b, changed_b = [], []
        for ref, values in self.buildings.items():
            values = {**values, "compound_id": compound_id[self.building_compound[ref]]}
            row = stored_buildings.pop(ref, None)
            if row is None:
                new_b.append(Building(source=Source.OSM, source_ref=ref, **values))
                buildings.created += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                changed_b.append(row)
                buildings.updated += 1
            else:
                buildings.unchanged += 1
        Building.objects.bulk_create(new_b, batch_size=2000)
        Building.objects.bulk_update(changed_b, BUILDING_FIELDS, batch_size=2000)
        buildings.removed = len(stored_buildings)
        Building.objects.filter(pk__in=[b.pk for b in stored_buildings.values()]).delete()
        # facilities, by OSM id; those that left the extract are deleted (runs keep their figures)
        stored_facilities = {
            f.source_ref: f
            for f in Facility.objects.filter(source=Source.OSM, source_ref__in=list(self.facilities))
        }
        new_f, changed_f = [], []
        for ref, values in self.facilities.items():
            row = stored_facilities.get(ref)
            if row is None:
                new_f.append(Facility(source=Source.OSM, source_ref=ref, **values))
                facilities.created += 1
                facilities.note("created", values["name"])
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                changed_f.append(row)
                facilities.updated += 1
                facilities.note("updated", values["name"])
            else:
                facilities.unchanged += 1
        Facility.objects.bulk_create(new_f, batch_size=2000)
        Facility.objects.bulk_update(changed_f, FACILITY_FIELDS, batch_size=2000)
        gone_f = self._in_scope(
            Facility.objects.filter(source=Source.OSM, source_ref__startswith="osm:"), "community"
        ).exclude(source_ref__in=list(self.facilities))
        for f in gone_f[:5]:
            facilities.note("removed", f.name)
        facilities.removed = gone_f.count()
        gone_f.delete()
        return {
            "compounds": compounds.as_dict(),
            "buildings": buildings.as_dict(),
            "facilities": facilities.as_dict(),
        }


def _json(geom: BaseGeometry) -> Any:
    """GeoJSON as the database gives it back (lists, not tuples), so unchanged rows compare equal."""
    return json.loads(json.dumps(as_geojson(geom)))


def _plan(
    extract: OsmExtract,
    area: Division | None,
    places: Any,
    points: list[Any],
    compound_at: list[tuple[int | None, int | None]],
    pois: list[Any],
    poi_at: list[tuple[int | None, int | None]],
    elements: dict[str, Any],
    bounds: tuple[float, float, float, float],
) -> _Plan:
    from shezhi.people.models import FacilityLevel

    plan = _Plan(area=area, bounds=bounds)
    plan.outside = {"compounds": 0, "facilities": 0}
    kept: dict[int, str] = {}
    for i, (compound, point, (community, grid)) in enumerate(
        zip(places.compounds, points, compound_at, strict=True)
    ):
        if community is None:
            plan.outside["compounds"] += 1
            continue
        if compound.ref in plan.compounds:
            continue
        kept[i] = compound.ref
        plan.compounds[compound.ref] = {
            "name": (compound.name or f"未命名小区（OSM {compound.ref}）")[:120],
            "community_id": community,
            "grid_id": grid,
            "lon": round(point.x, 7),
            "lat": round(point.y, 7),
            "boundary": _json(compound.polygon),
            "households": compound.households,
            "retired_at": None,
        }
    for b_idx, c_idx in places.placed:
        if c_idx not in kept:
            continue
        building = places.buildings[b_idx]
        if building.ref in plan.buildings:
            continue
        point = building.polygon.representative_point()
        plan.building_compound[building.ref] = kept[c_idx]
        plan.buildings[building.ref] = {
            "name": (building.name or f"楼栋 {building.ref}")[:60],
            "floors": building.floors,
            "lon": round(point.x, 7),
            "lat": round(point.y, 7),
            "footprint": _json(building.polygon),
        }
    level = {5: FacilityLevel.FIVE, 10: FacilityLevel.TEN, 15: FacilityLevel.FIFTEEN}
    for poi, (community, grid) in zip(pois, poi_at, strict=True):
        ref = f"osm:{poi.ref}"
        if community is None:
            plan.outside["facilities"] += 1
            continue
        if ref in plan.facilities:
            continue
        element = elements[poi.element]
        plan.facilities[ref] = {
            "name": (poi.name or element.name)[:120],
            "category": poi.element,
            "level": level[element.level_minutes],
            "community_id": community,
            "grid_id": grid,
            "lon": poi.lon,
            "lat": poi.lat,
        }
        plan.by_element[poi.element] = plan.by_element.get(poi.element, 0) + 1
    return plan


def current_extract(area: Division | None = None) -> OsmExtract | None:
    """The current extract that serves ``area``: the most specific clip holding it, else the whole one."""
    current = list(OsmExtract.objects.filter(status=ExtractStatus.CURRENT).select_related("area"))
    if area is not None:
        holding = [e for e in current if e.area is not None and area.code.startswith(e.area.prefix)]
        if holding:
            return max(holding, key=lambda e: len(e.area.prefix))  # type: ignore[union-attr]
    whole = [e for e in current if e.area is None]
    return whole[0] if whole else None
