"""The bundled demo area: real divisions and OSM compounds, generated grid boundaries.

No public boundaries exist for Chengdu's streets, communities or grids. For the demo
we lay the real streets and communities of one district (成华区 by default) over the
bundled OSM extract as a reproducible tessellation (seeded centroidal Voronoi cells),
split each community into 微网实格 grids, and place the real OSM residential areas,
buildings and institutions in them. Every generated boundary is stored with
``source=generated`` and shown as “生成（示意）”: the *names and codes* are official,
the *shapes* are not.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from shezhi.accounts.models import User
from shezhi.accounts.passwords import random_password
from shezhi.accounts.roles import DivisionLevel, Role
from shezhi.places.geometry import area_m2, as_geojson
from shezhi.places.models import Building, Compound, Division, Grid, GridKind, Source
from shezhi.places.osm import BUNDLED_PBF, read_places

#: Extent of the bundled OSM extract (lon/lat, WGS-84).
DEMO_BBOX = (104.0421, 30.6528, 104.1296, 30.7279)
DEMO_DISTRICT = "510108000000"  # 成华区
SEED = 20231
GENERATED_NOTE = "边界为演示生成，非官方边界 / generated demo boundary, not official"
#: Households per m² of residential land: plot ratio ~2.0 over ~90 m² per household.
_HOUSEHOLDS_PER_M2 = 2.0 / 90.0


#: A demo grid's 网格警 is named by role (王警官), not invented as a full person.
_POLICE_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹"


def _police_name(grid_code: str) -> str:
    """A demo 网格警 by role and surname, fixed by the grid code (the seeded layout is untouched)."""
    return f"{_POLICE_SURNAMES[zlib.crc32(grid_code.encode()) % len(_POLICE_SURNAMES)]}警官"


#: OSM names that do not name a compound: placeholders and tags typed as names.
PLACEHOLDER_NAMES = frozenset({"住宅区", "小区", "居民区", "residential", "Standard City"})
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NAME_SUFFIXES = ("家园", "花园", "苑", "小区", "新村", "雅居", "公寓", "里")


def compound_name(osm_name: str | None, community_name: str, taken: set[str]) -> tuple[str, bool]:
    """The compound's name and whether it was generated.

    A Chinese OSM name is kept. No name, a placeholder (``住宅区``) or a name without a Chinese
    character (``Standard City``) gets a plausible name from its community (``双桥家园``), shown
    labelled 示意; the OSM id stays in ``source_ref``.

    >>> compound_name("万科·金域蓝湾", "猛追湾社区", set())
    ('万科·金域蓝湾', False)
    >>> compound_name(None, "双桥社区", {"双桥家园"})
    ('双桥花园', True)
    """
    name = (osm_name or "").strip()
    if name and _CJK.search(name) and name not in PLACEHOLDER_NAMES:
        return name, False
    base = re.sub(
        r"(社区居民委员会|社区居委会|居民委员会|居委会|村民委员会|村委会|社区|村)$", "", community_name
    )
    base = base or community_name
    for suffix in _NAME_SUFFIXES:
        if base + suffix not in taken:
            return base + suffix, True
    n = 2
    while f"{base}小区{n}号院" in taken:
        n += 1
    return f"{base}小区{n}号院", True


@dataclass
class DemoReport:
    streets: int = 0
    communities: int = 0
    grids: int = 0
    compounds: int = 0
    buildings: int = 0


def _random_points_in(poly: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = poly.bounds
    points: list[tuple[float, float]] = []
    shapely.prepare(poly)
    while len(points) < n:
        xs = rng.uniform(minx, maxx, 4 * n)
        ys = rng.uniform(miny, maxy, 4 * n)
        inside = shapely.contains_xy(poly, xs, ys)
        points.extend(zip(xs[inside], ys[inside], strict=True))
    return np.array(points[:n])


def partition(poly: BaseGeometry, n: int, rng: np.random.Generator, rounds: int = 8) -> list[Polygon]:
    """Split ``poly`` into ``n`` compact cells (centroidal Voronoi by Lloyd's relaxation)."""
    if n == 1:
        return [poly]
    seeds = _random_points_in(poly, n, rng)
    cells: list[Polygon] = []
    for _ in range(rounds):
        diagram = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=poly.envelope.buffer(0.05))
        by_seed = []
        for seed in seeds:
            cell = next(c for c in diagram.geoms if c.contains(Point(seed)) or c.touches(Point(seed)))
            by_seed.append(cell.intersection(poly))
        cells = by_seed
        seeds = np.array(
            [
                (c.centroid.x, c.centroid.y) if not c.is_empty else tuple(s)
                for c, s in zip(cells, seeds, strict=True)
            ]
        )
    return [_largest_polygon(c) for c in cells]


def _largest_polygon(geom: BaseGeometry) -> Polygon:
    if isinstance(geom, Polygon):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    return max(parts, key=lambda g: g.area)


def short_name(name: str) -> str:
    """社区 name without the committee suffix: 猛追湾社区居委会 → 猛追湾社区."""
    return re.sub(r"(居民委员会|居委会|村民委员会|村委会)$", "", name) or name


def _grid(
    code: str,
    name: str,
    kind: GridKind,
    community: Division,
    geom: BaseGeometry,
    parent: Grid | None,
    source: Source = Source.GENERATED,
    note: str = GENERATED_NOTE,
    police: tuple[str, str] = ("", ""),
) -> Grid:
    point = geom.representative_point()
    return Grid.objects.create(
        code=code,
        name=name,
        kind=kind,
        community=community,
        parent=parent,
        boundary=as_geojson(geom),
        centroid_lon=point.x,
        centroid_lat=point.y,
        area_m2=area_m2(geom),
        source=source,
        note=note,
        police_officer=police[0],
        police_station=police[1],
    )


def build_demo_area(district_code: str = DEMO_DISTRICT, *, seed: int = SEED) -> DemoReport:
    """Generate the demo layout for one district over the bundled extract (idempotent)."""
    report = DemoReport()
    district = Division.objects.get(code=district_code)
    streets = list(district.children.order_by("code"))
    if Grid.objects.filter(community__code__startswith=district.prefix).exists():
        return report
    rng = np.random.default_rng(seed)
    region = box(*DEMO_BBOX)
    places = read_places(BUNDLED_PBF)

    street_cells = partition(region, len(streets), rng)
    district.boundary = as_geojson(shapely.union_all(street_cells))
    district.boundary_source = Source.GENERATED
    district.save(update_fields=["boundary", "boundary_source"])

    general_cells: list[tuple[Grid, Polygon]] = []
    total_grids: list[tuple[Grid, Polygon]] = []
    for street, street_cell in zip(streets, street_cells, strict=True):
        street.boundary, street.boundary_source = as_geojson(street_cell), Source.GENERATED
        street.save(update_fields=["boundary", "boundary_source"])
        report.streets += 1
        communities = list(street.children.filter(level=DivisionLevel.COMMUNITY).order_by("code"))
        for community, cell in zip(communities, partition(street_cell, len(communities), rng), strict=True):
            community.boundary, community.boundary_source = as_geojson(cell), Source.GENERATED
            community.save(update_fields=["boundary", "boundary_source"])
            report.communities += 1
            label = short_name(community.name)
            total = _grid(f"{community.code}-00", f"{label}总网格", GridKind.TOTAL, community, cell, None)
            total_grids.append((total, cell))
            n_general = int(np.clip(round(area_m2(cell) / 250_000), 2, 6))
            for i, sub in enumerate(partition(cell, n_general, rng), start=1):
                grid = _grid(
                    f"{total.code}-{i:02d}",
                    f"{label}第{i}网格",
                    GridKind.GENERAL,
                    community,
                    sub,
                    total,
                    police=(_police_name(f"{total.code}-{i:02d}"), f"{label}警务室"),
                )
                general_cells.append((grid, sub))
                report.grids += 1
            report.grids += 1

    # Real OSM residential areas become compounds, each its own 微网格.
    general_index = STRtree([cell for _, cell in general_cells])
    micro_count: dict[str, int] = {}
    compounds: list[tuple[Compound, Polygon]] = []
    names_taken: set[str] = set()
    for osm_id, name, poly in sorted(places.residential, key=lambda r: r[0]):
        point = poly.representative_point()
        hits = general_index.query(point, predicate="intersects")
        if not len(hits):
            continue
        parent, parent_cell = general_cells[int(hits[0])]
        micro_count[parent.code] = micro_count.get(parent.code, 0) + 1
        label, generated = compound_name(name, parent.community.name, names_taken)
        names_taken.add(label)
        clipped = _largest_polygon(poly.intersection(parent_cell))
        micro = _grid(
            f"{parent.code}-{micro_count[parent.code]:02d}",
            f"{label}微网格",
            GridKind.MICRO,
            parent.community,
            clipped,
            parent,
            source=Source.OSM,
            note="边界取自 OpenStreetMap 居住用地 / boundary from OSM landuse=residential",
        )
        report.grids += 1
        compound = Compound.objects.create(
            name=label,
            community=parent.community,
            grid=micro,
            lon=point.x,
            lat=point.y,
            boundary=as_geojson(poly),
            households=max(1, round(area_m2(poly) * _HOUSEHOLDS_PER_M2)),
            households_estimated=True,
            name_generated=generated,
            source=Source.OSM,
            source_ref=f"way/{osm_id}",
        )
        compounds.append((compound, poly))
        report.compounds += 1

    # Schools, hospitals and the like get a 专属网格 under their community's 总网格.
    total_index = STRtree([cell for _, cell in total_grids])
    dedicated_count: dict[str, int] = {}
    for _osm_id, name, _amenity, poly in sorted(places.institutions, key=lambda r: r[0]):
        hits = total_index.query(poly.representative_point(), predicate="intersects")
        if not len(hits) or not name:
            continue
        total, cell = total_grids[int(hits[0])]
        dedicated_count[total.code] = dedicated_count.get(total.code, 0) + 1
        clipped = _largest_polygon(poly.intersection(cell))
        _grid(
            f"{total.code}-Z{dedicated_count[total.code]}",
            f"{name}专属网格",
            GridKind.DEDICATED,
            total.community,
            clipped,
            total,
            source=Source.OSM,
            note="边界取自 OpenStreetMap / boundary from OpenStreetMap",
        )
        report.grids += 1

    compound_index = STRtree([poly for _, poly in compounds])
    buildings = []
    for osm_id, name, levels, poly in sorted(places.buildings, key=lambda r: r[0]):
        point = poly.representative_point()
        hits = compound_index.query(point, predicate="intersects")
        if not len(hits):
            continue
        compound = compounds[int(hits[0])][0]
        buildings.append(
            Building(
                compound=compound,
                name=name or f"楼栋 {osm_id}",
                floors=levels,
                lon=point.x,
                lat=point.y,
                footprint=as_geojson(poly),
                source=Source.OSM,
                source_ref=f"way/{osm_id}",
            )
        )
    Building.objects.bulk_create(buildings)
    report.buildings = len(buildings)
    return report


@dataclass
class DemoAccount:
    """A demo account and, if this call set it, its new password (shown once, never stored)."""

    user: User
    password: str | None


def ensure_demo_accounts(
    *, password: str | None = None, reset_passwords: bool = False, district_code: str = DEMO_DISTRICT
) -> list[DemoAccount]:
    """One account per role, bound to the demo area.

    A new account gets a random password (``password`` instead, for tests); an existing one
    keeps its password unless ``reset_passwords`` (or an explicit ``password``) is given.
    Only the hash is stored: the returned passwords are the only copy.
    """
    district = Division.objects.get(code=district_code)
    street = district.children.order_by("code").first()
    assert street is not None
    community = street.children.order_by("code").first()
    assert community is not None
    grid = Grid.objects.filter(community=community, kind=GridKind.GENERAL).order_by("code").first()
    city = district.parent
    plan: list[tuple[str, Role, Division | None, Grid | None, str]] = [
        ("city", Role.CITY_ADMIN, city, None, "市社治委管理员"),
        ("district", Role.DISTRICT_STAFF, district, None, "区社治委干部"),
        ("street", Role.STREET_STAFF, street, None, "街道干部"),
        ("community", Role.COMMUNITY_WORKER, community, None, "社区工作者"),
        ("grid", Role.GRID_WORKER, community, grid, "网格员"),
        ("planner", Role.PLANNER, district, None, "规划师"),
        ("resident", Role.RESIDENT, community, None, "居民"),
        ("partner", Role.PARTNER, community, None, "社会组织"),
        ("auditor", Role.AUDITOR, city, None, "审计员"),
    ]
    accounts = []
    for username, role, division, user_grid, display in plan:
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                "role": role,
                "division": division,
                "grid": user_grid,
                "display_name": f"{display}（演示）",
                "is_staff": role == Role.CITY_ADMIN,
                "is_superuser": role == Role.CITY_ADMIN,
            },
        )
        new_password = None
        if password is not None or reset_passwords or created or not user.has_usable_password():
            new_password = password if password is not None else random_password(user)
            user.set_password(new_password)
            user.save()
        accounts.append(DemoAccount(user, new_password))
    if grid is not None:
        grid.leader = next(a.user for a in accounts if a.user.role == Role.COMMUNITY_WORKER)
        grid.save(update_fields=["leader"])
    return accounts
