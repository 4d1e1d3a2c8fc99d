"""The platform end to end at city scale, on a mosaic of the real extract (labelled synthetic).

``python bench/city.py --tiles 15`` builds (once, cached under ``var/bench/city``):

* ``mosaic-N.osm.pbf``: the bundled real extract of central Chengdu (OSM 2018, ODbL) copied
  into an N × N mosaic laid east and north of the real one, every copy's OSM ids offset by
  ``tile × 10¹⁰``, neighbouring copies joined along their shared borders by synthetic
  footways (``note=synthetic stitch``), compounds and facilities copied with their tiles;
* a synthetic division tree 合成省/合成市 (codes ``99…``): one district per row of tiles,
  one street per tile, 3 × 3 communities per tile, with rectangular boundaries marked
  生成（示意）;

then, in a fresh database (SQLite under ``var/bench/city`` unless ``DATABASE_URL`` is set),
times the very command a district runs, ``load_extract`` (= ``manage.py load_osm``), on the
mosaic clipped to the city; the city-wide evaluation (adult and elderly) as the task runs
it, by stage; the storage of results; a what-if anywhere in the city; and records the
process's peak memory after each step. Nothing here is real data beyond the base extract.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = ROOT / "var" / "bench" / "city"
BASE = ROOT / "shezhi" / "places" / "data" / "chengdu_central_2018.osm.pbf"
STRIDE = 10**10
STITCH_ID = 9 * 10**14
GAP_DEG = 0.0003  # ≈ 30 m between tiles, bridged by the stitch footways
BAND_DEG = 0.0015  # ≈ 150 m border band whose nodes may be stitched
COMMUNITIES_PER_SIDE = 3


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    """CPU seconds of this process so far (user + system): wall time on a shared machine is not."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------- the mosaic PBF


def _read_base() -> tuple[list[Any], list[Any], list[Any]]:
    import osmium

    nodes, ways, relations = [], [], []
    for obj in osmium.FileProcessor(str(BASE)):
        tags = {t.k: t.v for t in obj.tags}
        if obj.is_node():
            nodes.append((obj.id, obj.location.lon, obj.location.lat, tags))
        elif obj.is_way():
            ways.append((obj.id, [n.ref for n in obj.nodes], tags))
        else:
            relations.append((obj.id, [(m.type, m.ref, m.role) for m in obj.members], tags))
    return nodes, ways, relations


def _extent() -> tuple[float, float, float, float]:
    """The base extract's clip box (its ways run on past it; neighbouring copies overlap there)."""
    from shezhi.places.demo import DEMO_BBOX

    return DEMO_BBOX


def _stitches(
    nodes: list[Any], ways: list[Any], extent: tuple[float, float, float, float], dx: float, dy: float
) -> tuple[list[Any], list[Any]]:
    """(east→west pairs, north→south pairs) of base node ids to join between neighbours."""
    from scipy.spatial import cKDTree

    from shezhi.engine.network import is_walkable

    walk = {ref for _id, refs, tags in ways if is_walkable(tags) for ref in refs}
    ids = np.array([n[0] for n in nodes if n[0] in walk])
    xy = np.array([(n[1], n[2]) for n in nodes if n[0] in walk])
    x0, y0, x1, y1 = extent
    pairs = []
    # Nodes near the east (north) edge of the box, joined to the nearest node near the west
    # (south) edge of the neighbouring copy, one stitch per such neighbour node.
    for near_a, near_b, shift in (
        (np.abs(xy[:, 0] - x1) < BAND_DEG, np.abs(xy[:, 0] - x0) < BAND_DEG, (dx, 0.0)),
        (np.abs(xy[:, 1] - y1) < BAND_DEG, np.abs(xy[:, 1] - y0) < BAND_DEG, (0.0, dy)),
    ):
        a, b = np.flatnonzero(near_a), np.flatnonzero(near_b)
        dist, k = cKDTree(xy[a]).query(xy[b] + shift)
        chosen = [
            (int(ids[a[j]]), int(ids[b[i]]))
            for i, (d, j) in enumerate(zip(dist, k, strict=True))
            if d < 0.002
        ]
        pairs.append(sorted(set(chosen)))
    return pairs[0], pairs[1]


def build_pbf(n: int, path: Path) -> dict[str, Any]:
    import osmium

    t0 = time.perf_counter()
    nodes, ways, relations = _read_base()
    x0, y0, x1, y1 = _extent()
    dx, dy = x1 - x0 + GAP_DEG, y1 - y0 + GAP_DEG
    east, north = _stitches(nodes, ways, (x0, y0, x1, y1), dx, dy)
    tmp = path.with_suffix(".tmp.pbf")
    tmp.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(tmp))
    Node, Way, Relation = osmium.osm.mutable.Node, osmium.osm.mutable.Way, osmium.osm.mutable.Relation
    tiles = [(r, c) for r in range(n) for c in range(n)]
    for t, (r, c) in enumerate(tiles):
        off, sx, sy = t * STRIDE, c * dx, r * dy
        for nid, lon, lat, tags in nodes:
            writer.add_node(Node(id=nid + off, location=(lon + sx, lat + sy), tags=tags, version=1))
    sid = STITCH_ID
    for t in range(len(tiles)):
        off = t * STRIDE
        for wid, refs, tags in ways:
            writer.add_way(Way(id=wid + off, nodes=[x + off for x in refs], tags=tags, version=1))
    for t, (r, c) in enumerate(tiles):
        off = t * STRIDE
        stitch = {"highway": "footway", "note": "synthetic stitch"}
        if c + 1 < n:
            for a, b in east:
                sid += 1
                writer.add_way(Way(id=sid, nodes=[a + off, b + off + STRIDE], tags=stitch, version=1))
        if r + 1 < n:
            for a, b in north:
                sid += 1
                writer.add_way(Way(id=sid, nodes=[a + off, b + off + n * STRIDE], tags=stitch, version=1))
    for t in range(len(tiles)):
        off = t * STRIDE
        for rid, members, tags in relations:
            writer.add_relation(
                Relation(
                    id=rid + off,
                    members=[(k, ref + off, role) for k, ref, role in members],
                    tags=tags,
                    version=1,
                )
            )
    writer.close()
    tmp.replace(path)
    return {
        "tiles": n * n,
        "bbox": [x0, y0, x0 + n * dx, y0 + n * dy],
        "tile_deg": [dx, dy],
        "stitches": len(east) * n * (n - 1) + len(north) * n * (n - 1),
        "build_s": time.perf_counter() - t0,
        "bytes": path.stat().st_size,
    }


# --------------------------------------------------------------------------- divisions


def build_divisions(n: int, bbox: list[float], tile_deg: list[float]) -> Any:
    from shapely.geometry import box

    from shezhi.places.geometry import as_geojson
    from shezhi.places.models import Division, Source

    x0, y0 = bbox[0], bbox[1]
    dx, dy = tile_deg
    province = Division.objects.create(code="990000000000", name="合成省", level="province")
    city = Division.objects.create(
        code="990100000000",
        name="合成市",
        level="city",
        parent=province,
        boundary=as_geojson(box(*bbox)),
        boundary_source=Source.GENERATED,
    )
    communities = []
    k = COMMUNITIES_PER_SIDE
    for r in range(n):
        district = Division.objects.create(
            code=f"9901{r + 1:02d}000000",
            name=f"合成{r + 1}区",
            level="district",
            parent=city,
            boundary=as_geojson(box(x0, y0 + r * dy, x0 + n * dx, y0 + (r + 1) * dy)),
            boundary_source=Source.GENERATED,
        )
        for c in range(n):
            cell = box(x0 + c * dx, y0 + r * dy, x0 + (c + 1) * dx, y0 + (r + 1) * dy)
            street = Division.objects.create(
                code=f"9901{r + 1:02d}{c + 1:03d}000",
                name=f"合成{r + 1}区第{c + 1}街道",
                level="street",
                parent=district,
                boundary=as_geojson(cell),
                boundary_source=Source.GENERATED,
            )
            for i in range(k * k):
                a, b = divmod(i, k)
                sub = box(
                    x0 + c * dx + b * dx / k,
                    y0 + r * dy + a * dy / k,
                    x0 + c * dx + (b + 1) * dx / k,
                    y0 + r * dy + (a + 1) * dy / k,
                )
                communities.append(
                    Division(
                        code=f"9901{r + 1:02d}{c + 1:03d}{i + 1:03d}",
                        name=f"{street.name}第{i + 1}社区",
                        level="community",
                        parent=street,
                        boundary=as_geojson(sub),
                        boundary_source=Source.GENERATED,
                    )
                )
    Division.objects.bulk_create(communities, batch_size=2000)
    return city


# --------------------------------------------------------------------------- the peer


def pandana_nearest(run: Any) -> dict[str, float]:
    """The common planner's path for the nearest-facility stage alone: pandana on the same network.

    (OSMnx only builds its graph by downloading from Overpass or from .osm XML, neither of
    which is available here, so the graph is handed to pandana as arrays, which flatters it.)
    Every element's facilities on their nearest node, nearest within twice the element's
    radius from every node, as the platform searches.
    """
    import pandana
    import pandas as pd

    from shezhi.lifecircle.analysis import gather
    from shezhi.lifecircle.network import run_network

    net = run_network(run)
    inputs = gather(
        area_prefix=run.area.prefix, elements=list(run.standard.elements.all()), speed_mps=run.speed_mps
    )
    t0 = time.perf_counter()
    x, y = net.projected_nodes()
    network = pandana.Network(
        pd.Series(x),
        pd.Series(y),
        pd.Series(net.edge_u.astype(np.int64)),
        pd.Series(net.edge_v.astype(np.int64)),
        pd.DataFrame({"w": net.edge_length}),
        twoway=True,
    )
    prep_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for rule in inputs.rules:
        f = inputs.facilities.get(rule.code)
        if f is None or len(f) == 0:
            continue
        cutoff = inputs.radius(rule) * 2
        v = net.nearest_node(f.lon, f.lat)
        network.set_pois(rule.code, cutoff + 1, 1, pd.Series(x[v]), pd.Series(y[v]))
        network.nearest_pois(cutoff, rule.code, num_pois=1)
    return {"prep_s": prep_s, "query_s": time.perf_counter() - t0}


# --------------------------------------------------------------------------- the run


def what_if_only() -> None:
    """What-ifs at a few places of the city on the last city run (a fresh process: cold caches)."""
    import django

    django.setup()
    from shezhi.accounts.models import User
    from shezhi.lifecircle import mapdata
    from shezhi.lifecircle.models import AnalysisRun, RunStatus
    from shezhi.places.models import Compound

    run = AnalysisRun.objects.filter(area__code="990100000000", status=RunStatus.DONE, walker="adult").latest(
        "pk"
    )
    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_user(
        username="bench", password=None, is_superuser=True, role="city_admin"
    )
    compounds = list(Compound.objects.filter(community__code__startswith="9901").order_by("pk")[::5000])
    for code in ("kindergarten", "primary_school"):
        element = run.standard.elements.get(code=code)
        for i, c in enumerate(compounds):
            t0, c0 = time.perf_counter(), cpu_s()
            body = mapdata.what_if(actor=admin, run=run, element=element, lon=c.lon + 0.0005, lat=c.lat)
            label = (
                "first (network, inputs, snapping, element walks)"
                if i == 0 and code == "kindergarten"
                else ("first for this element (its walks)" if i == 0 else "next")
            )
            sys.stdout.write(
                f"what-if {code:<15} {label:<50} {(time.perf_counter() - t0) * 1000:8.0f} ms"
                f" ({(cpu_s() - c0) * 1000:.0f} ms CPU), {body['households_gained']:.0f} households gained\n"
            )
            sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiles", type=int, default=15, help="N for the N × N mosaic (15 ≈ a megacity)")
    parser.add_argument("--keep-network-cache", action="store_true", help="do not re-parse the network")
    parser.add_argument("--no-elderly", action="store_true")
    parser.add_argument("--peer", action="store_true", help="also time pandana's nearest-facility stage")
    parser.add_argument(
        "--what-if-only",
        action="store_true",
        help="time what-ifs on the city run of the previous run's database",
    )
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SHEZHI_VAR_DIR", str(WORK))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shezhi.settings")
    os.environ.setdefault("SHEZHI_OSM_MAX_BYTES", str(4 * 1024**3))
    if args.what_if_only:
        what_if_only()
        return
    db = Path(os.environ["SHEZHI_VAR_DIR"]) / "shezhi.sqlite3"
    if "DATABASE_URL" not in os.environ:
        db.unlink(missing_ok=True)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.SHEZHI_OSM_MAX_BYTES = 4 * 1024**3
    rows: list[tuple[str, str]] = []
    figures: dict[str, Any] = {"tiles": args.tiles, "database": settings.DATABASES["default"]["ENGINE"]}

    def note(label: str, value: str) -> None:
        rows.append((label, value))
        sys.stdout.write(f"{label:<44} {value}\n")
        sys.stdout.flush()

    pbf = WORK / f"mosaic-{args.tiles}.osm.pbf"
    meta_path = pbf.with_suffix(".json")
    if not pbf.exists() or not meta_path.exists():
        meta = build_pbf(args.tiles, pbf)
        meta_path.write_text(json.dumps(meta))
        note("mosaic PBF built (once)", f"{meta['build_s']:.1f} s, {meta['bytes'] / 2**20:.1f} MiB")
    meta = json.loads(meta_path.read_text())
    figures["mosaic"] = meta

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    note("fresh database migrated", f"{time.perf_counter() - t0:.1f} s")
    from shezhi.accounts.models import User
    from shezhi.lifecircle import mapdata
    from shezhi.lifecircle.extracts import load_extract
    from shezhi.lifecircle.models import AnalysisRun, CompoundResult, Walker
    from shezhi.lifecircle.services import standard_seed_default
    from shezhi.lifecircle.tasks import execute
    from shezhi.places.models import Compound

    standard = standard_seed_default()
    t0 = time.perf_counter()
    city = build_divisions(args.tiles, meta["bbox"], meta["tile_deg"])
    note("synthetic divisions (合成)", f"{time.perf_counter() - t0:.1f} s")

    if not args.keep_network_cache:
        for f in (Path(os.environ["SHEZHI_VAR_DIR"]) / "networks").glob("*.npz"):
            f.unlink()
    t0, c0 = time.perf_counter(), cpu_s()
    report = load_extract(pbf, clip_to=city.code, name=f"mosaic {args.tiles}×{args.tiles} (synthetic)")
    load_s, load_cpu = time.perf_counter() - t0, cpu_s() - c0
    counts = report.counts
    figures["load"] = {
        "total_s": load_s,
        "cpu_s": load_cpu,
        **report.timings,
        "counts": counts,
        "peak_mib": peak_mib(),
    }
    note(
        "load_osm (network + places + facilities)",
        f"{load_s:.1f} s total ({load_cpu:.1f} s CPU): "
        + ", ".join(f"{k} {v:.1f}" for k, v in report.timings.items()),
    )
    note(
        "  loaded",
        f"{counts['nodes']:,} nodes, {counts['edges']:,} edges, {counts['compounds']:,} compounds, "
        f"{counts['buildings']:,} buildings, {counts['facilities']:,} facilities",
    )
    note("  peak memory after load", f"{peak_mib():,.0f} MiB")

    walkers = [Walker.ADULT] if args.no_elderly else [Walker.ADULT, Walker.ELDERLY]
    runs = []
    for walker in walkers:
        run = AnalysisRun.objects.create(area=city, standard=standard, walker=walker)
        t0, c0 = time.perf_counter(), cpu_s()
        outcome = execute(run.pk)
        total, cpu = time.perf_counter() - t0, cpu_s() - c0
        run.refresh_from_db()
        if outcome != "done":
            note(f"evaluation ({walker})", f"{outcome}: {run.error[:200]}")
            continue
        timings = run.summary.get("timings", {})
        figures[f"evaluate_{walker}"] = {"total_s": total, "cpu_s": cpu, **timings, "peak_mib": peak_mib()}
        note(
            f"city-wide evaluation ({walker}, {len(standard.elements.all())} elements)",
            f"{total:.1f} s total ({cpu:.1f} s CPU): "
            + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()),
        )
        note("  peak memory after evaluation", f"{peak_mib():,.0f} MiB")
        runs.append(run)
    if runs:
        run = runs[0]
        t0 = time.perf_counter()
        rows_for_one = list(CompoundResult.objects.filter(run=run, community__code="990101001001"))
        note(
            "read one community's results",
            f"{(time.perf_counter() - t0) * 1000:.1f} ms ({len(rows_for_one)} rows)",
        )
        admin = User.objects.create_user(
            username="bench", password=None, is_superuser=True, role="city_admin"
        )
        element = standard.elements.get(code="kindergarten")
        far = Compound.objects.filter(community__code__startswith="99010").order_by("-pk").first()
        for label in ("what-if, first (inputs + snapping)", "what-if, next"):
            t0, c0 = time.perf_counter(), cpu_s()
            body = mapdata.what_if(actor=admin, run=run, element=element, lon=far.lon + 0.0005, lat=far.lat)
            note(
                label,
                f"{(time.perf_counter() - t0) * 1000:.0f} ms ({(cpu_s() - c0) * 1000:.0f} ms CPU) (coverage {body['coverage_before']:.3f} → {body['coverage_after']:.3f})",
            )
    if runs and args.peer:
        peer = pandana_nearest(runs[0])
        figures["pandana_nearest"] = peer
        note(
            "pandana, nearest facility only (adult)",
            f"{peer['prep_s'] + peer['query_s']:.1f} s: contraction hierarchy {peer['prep_s']:.1f}, "
            f"queries {peer['query_s']:.1f}",
        )
    note("peak memory of the whole run", f"{peak_mib():,.0f} MiB")
    figures["peak_mib"] = peak_mib()
    (WORK / f"results-{args.tiles}.json").write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
