"""Life-circle engine benchmark: our times beside pandana, networkx, scipy, igraph, networkit, access, spopt.

``python bench/run.py`` (or ``make bench``) prints, per network and task, each tool's
preprocessing and query time, the ratio to ours, its peak memory and whether its answers
agree with the reference. Every (tool, task, network) runs in a fresh subprocess, so its
peak memory (``ru_maxrss``) is its own. See bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from shezhi.engine.network import WalkNetwork  # noqa: E402

PBF = ROOT / "shezhi" / "places" / "data" / "chengdu_central_2018.osm.pbf"
SHARED = ROOT.parent / "shared" / "data"
WORK = ROOT / "var" / "bench"
SEED = 20260101

#: Ten life-circle facility categories from the OSM extract's POIs (tag groups).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "bus_stop": ("highway=bus_stop",),
    "metro": ("railway=station", "railway=subway_entrance"),
    "school": ("amenity=school", "amenity=kindergarten", "amenity=college", "amenity=university"),
    "health": (
        "amenity=hospital",
        "amenity=clinic",
        "amenity=doctors",
        "amenity=pharmacy",
        "amenity=dentist",
    ),
    "food": ("amenity=restaurant", "amenity=fast_food", "amenity=cafe"),
    "daily_shop": ("shop=supermarket", "shop=convenience", "amenity=marketplace", "shop=greengrocer"),
    "park": ("leisure=park", "leisure=garden", "leisure=playground"),
    "sports": ("leisure=pitch", "leisure=sports_centre", "leisure=fitness_centre", "leisure=stadium"),
    "toilets": ("amenity=toilets",),
    "bank_post": ("amenity=bank", "amenity=atm", "amenity=post_office"),
}
AMAP = ("medical", "edu", "life", "sports", "government")


def peak_mib() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it is not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# --------------------------------------------------------------------------------------------
# Inputs (parent process)
# --------------------------------------------------------------------------------------------
def build_inputs(tiles_district: int, tiles_megacity: int, megacity: bool) -> list[dict[str, Any]]:
    """Networks and their facility nodes, saved under var/bench/ (built once, reused)."""
    from mosaic import tile, tile_nodes

    from shezhi.engine.osm import read_pois

    WORK.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    base = WalkNetwork.from_pbf(PBF, simplify=False)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    simple = WalkNetwork.from_pbf(PBF)
    build_simple_s = time.perf_counter() - t0
    pois = read_pois(PBF)
    cats = {}
    for name, tags in CATEGORIES.items():
        sel = pois.select(*tags)
        inside = (sel.lon > base.node_lon.min()) & (sel.lon < base.node_lon.max())
        inside &= (sel.lat > base.node_lat.min()) & (sel.lat < base.node_lat.max())
        cats[name] = np.unique(base.nearest_node(sel.lon[inside], sel.lat[inside]))
    nets = []
    path = WORK / "real.npz"
    base.save(path)
    np.savez(WORK / "real_cats.npz", **cats)
    nets.append(
        {
            "key": "real",
            "title": "central Chengdu, real OSM 2018 walking network (every vertex a node)",
            "net": str(path),
            "cats": str(WORK / "real_cats.npz"),
            "nodes": base.n_nodes,
            "edges": base.n_edges,
            "build": f"PBF → network {build_s:.2f} s (simplified: {build_simple_s:.2f} s, {simple.n_nodes:,} nodes)",
        }
    )
    sizes = [("district", tiles_district)] + ([("megacity", tiles_megacity)] if megacity else [])
    for key, n in sizes:
        path = WORK / f"{key}_{n}x{n}.npz"
        cpath = WORK / f"{key}_{n}x{n}_cats.npz"
        t0 = time.perf_counter()
        if not path.exists() or not cpath.exists():
            net, index_of = tile(base, n)
            net.save(path, compress=False)
            np.savez(cpath, **{c: tile_nodes(v, base.n_nodes, n, index_of) for c, v in cats.items()})
            nodes, edges = net.n_nodes, net.n_edges
            del net
        else:
            head = WalkNetwork.load(path)
            nodes, edges = head.n_nodes, head.n_edges
            del head
        nets.append(
            {
                "key": key,
                "title": f"TILED (synthetic-derived) {n}×{n} mosaic of the real network, borders stitched",
                "net": str(path),
                "cats": str(cpath),
                "nodes": nodes,
                "edges": edges,
                "build": f"tiling {time.perf_counter() - t0:.1f} s (not a tool's cost)",
            }
        )
    return nets


def amap_points(kind: str) -> tuple[np.ndarray, np.ndarray] | None:
    path = SHARED / f"chengdu_amap_{kind}_wgs84.csv.gz"
    if not path.exists():
        return None
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return (np.array([float(r["wgs_lng"]) for r in rows]), np.array([float(r["wgs_lat"]) for r in rows]))


# --------------------------------------------------------------------------------------------
# Jobs (child processes)
# --------------------------------------------------------------------------------------------
def _load(net_path: str, cats_path: str) -> tuple[WalkNetwork, dict[str, np.ndarray]]:
    net = WalkNetwork.load(net_path)
    with np.load(cats_path) as data:
        cats = {k: data[k] for k in data.files}
    return net, cats


#: Modules each tool needs, imported before the clock starts (imports are no preprocessing).
_IMPORTS = {
    "ours": ("shezhi.engine.metrics", "shezhi.engine.snap", "shezhi.engine.supply", "shezhi.engine.siting"),
    "scipy": ("scipy.sparse.csgraph",),
    "networkx": ("networkx",),
    "igraph": ("igraph",),
    "networkit": ("networkit",),
    "pandana": ("pandana", "pandas"),
    "scipy+access": ("access", "pandas", "scipy.sparse.csgraph", "shezhi.engine.supply"),
    "spopt": ("spopt.locate", "pulp", "shezhi.engine.snap"),
}


def _import_for(tool: str) -> float:
    """Import the tool's modules (ours: and load its compiled kernels); the seconds it took."""
    import importlib

    t0 = time.perf_counter()
    for name in _IMPORTS["ours" if tool.startswith("ours") else tool]:
        importlib.import_module(name)
    if tool.startswith("ours"):
        from shezhi.engine import load_kernels

        load_kernels()
    return time.perf_counter() - t0


def job_nearest(tool: str, net_path: str, cats_path: str, k: int, cutoff: float, out: str) -> dict[str, Any]:
    import_s = _import_for(tool)
    t0 = time.perf_counter()
    net, cats = _load(net_path, cats_path)
    load_s = time.perf_counter() - t0
    n = net.n_nodes
    dist = np.full((len(cats), n, k), np.inf)
    fac = np.full((len(cats), n, k), -1, dtype=np.int32)
    rows_to_nodes = False
    t0 = time.perf_counter()
    if tool.startswith("ours"):
        from shezhi.engine.metrics import Accessibility
        from shezhi.engine.snap import snap_nodes

        threads = 2 if tool == "ours-2threads" else 1
        acc = Accessibility(net, snap_nodes(net, [0]))
        net.chains()  # the core graph: degree-2 chains folded in
        prep_s = time.perf_counter() - t0 + load_s
        t0 = time.perf_counter()
        pts = {c: snap_nodes(net, v) for c, v in cats.items()}
        if threads == 1:
            for i, p in enumerate(pts.values()):
                acc.node_labels(p, k=k, cutoff_m=cutoff, out=(dist[i], fac[i]))
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(threads) as pool:
                jobs = [
                    pool.submit(acc.node_labels, p, k=k, cutoff_m=cutoff, out=(dist[i], fac[i]))
                    for i, p in enumerate(pts.values())
                ]
                for job in jobs:
                    job.result()
        rows_to_nodes = True  # facility rows → their nodes, after the clock (bookkeeping)
    elif tool == "scipy":
        from scipy.sparse.csgraph import dijkstra

        g = net.csgraph()
        prep_s = time.perf_counter() - t0 + load_s
        t0 = time.perf_counter()
        for i, v in enumerate(cats.values()):
            d, _, src = dijkstra(g, indices=v, min_only=True, limit=cutoff, return_predecessors=True)
            dist[i, :, 0], fac[i, :, 0] = d, np.where(np.isfinite(d), src, -1)
    elif tool == "networkx":
        import networkx as nx

        g = nx.Graph()
        g.add_weighted_edges_from(
            zip(net.edge_u.tolist(), net.edge_v.tolist(), net.edge_length.tolist(), strict=True)
        )
        prep_s = time.perf_counter() - t0 + load_s
        t0 = time.perf_counter()
        for i, v in enumerate(cats.values()):
            for node, d in nx.multi_source_dijkstra_path_length(g, set(v.tolist()), cutoff=cutoff).items():
                dist[i, node, 0] = d
    elif tool == "igraph":
        import igraph as ig

        edges = np.column_stack([net.edge_u, net.edge_v])
        g = ig.Graph(n=n + 1, edges=edges.tolist())
        g.es["w"] = net.edge_length.tolist()
        prep_s = time.perf_counter() - t0 + load_s
        t0 = time.perf_counter()
        for i, v in enumerate(cats.values()):
            # multi-source as one search from a super-source joined to every facility by 0 m
            m = g.ecount()
            g.add_edges([(n, int(x)) for x in v], attributes={"w": [0.0] * len(v)})
            d = np.array(g.distances(source=[n], weights="w")[0][:n])
            g.delete_edges(range(m, g.ecount()))
            dist[i, :, 0] = np.where(d <= cutoff, d, np.inf)
    elif tool == "networkit":
        import networkit as nk

        g = nk.Graph(n + 1, weighted=True)
        g.addEdges(
            (net.edge_length.astype(np.float64), (net.edge_u.astype(np.uint64), net.edge_v.astype(np.uint64)))
        )
        prep_s = time.perf_counter() - t0 + load_s
        t0 = time.perf_counter()
        for i, v in enumerate(cats.values()):
            for x in v:
                g.addEdge(n, int(x), 0.0)
            sp = nk.distance.Dijkstra(g, n, storePaths=False)
            sp.run()
            d = np.array(sp.getDistances())[:n]
            dist[i, :, 0] = np.where(d <= cutoff, d, np.inf)
            for x in v:
                g.removeEdge(n, int(x))
    elif tool == "pandana":
        import pandana
        import pandas as pd

        x, y = net.projected_nodes()
        nodes = pd.DataFrame({"x": x, "y": y}, index=np.arange(n))
        edges = pd.DataFrame({"from": net.edge_u.astype(np.int64), "to": net.edge_v.astype(np.int64)})
        network = pandana.Network(
            nodes.x, nodes.y, edges["from"], edges["to"], pd.DataFrame({"w": net.edge_length}), twoway=True
        )
        for c, v in cats.items():
            network.set_pois(c, cutoff, k, pd.Series(x[v]), pd.Series(y[v]))
        prep_s = time.perf_counter() - t0 + load_s  # contraction hierarchy + POI index
        t0 = time.perf_counter()
        for i, c in enumerate(cats):
            res = network.nearest_pois(cutoff, c, num_pois=k, include_poi_ids=True)
            d = res[list(range(1, k + 1))].to_numpy()
            dist[i] = np.where(d < cutoff, d, np.inf)  # pandana fills "not found" with the cut-off
            ids = res[[f"poi{j}" for j in range(1, k + 1)]].to_numpy()
            ok = np.isfinite(dist[i]) & ~np.isnan(ids)
            fac[i][ok] = ids[ok]
        rows_to_nodes = True
    else:
        raise SystemExit(f"unknown tool {tool}")
    query_s = time.perf_counter() - t0
    if rows_to_nodes:
        for i, v in enumerate(cats.values()):
            ok = fac[i] >= 0
            fac[i][ok] = v[fac[i][ok]]
    np.savez(out, dist=dist, fac=fac)
    return {"import_s": import_s, "prep_s": prep_s, "query_s": query_s, "peak_mib": peak_mib()}


def _supply_inputs(
    net: WalkNetwork, cats: dict[str, np.ndarray], origins: str
) -> tuple[Any, dict[str, Any], np.ndarray, dict[str, np.ndarray]]:
    """Origins, facilities (snapped), synthetic seeded population and capacities."""
    from shezhi.engine.snap import snap_nodes

    rng = np.random.default_rng(SEED)
    if origins == "amap":
        lon, lat = amap_points("residential")  # type: ignore[misc]
        o = net.snap(lon, lat, max_distance=500, allow_far=True, what="Amap compounds")
        fac = {}
        for kind in AMAP:
            flon, flat = amap_points(kind)  # type: ignore[misc]
            fac[kind] = net.snap(flon, flat, max_distance=500, allow_far=True, what=f"Amap {kind}")
    else:
        o = snap_nodes(net, np.arange(net.n_nodes))
        fac = {c: snap_nodes(net, v) for c, v in cats.items()}
    pop = rng.integers(20, 2000, len(o)).astype(float)
    cap = {c: rng.integers(1, 100, len(f)).astype(float) for c, f in fac.items()}
    return o, fac, pop, cap


def job_2sfca(
    tool: str, net_path: str, cats_path: str, cutoff: float, origins: str, ncat: int, out: str
) -> dict[str, Any]:
    import_s = _import_for(tool)
    t0 = time.perf_counter()
    net, cats = _load(net_path, cats_path)
    o, fac, pop, cap = _supply_inputs(net, cats, origins)
    fac = dict(list(fac.items())[:ncat])
    inputs_s = time.perf_counter() - t0  # loading and snapping: the same for every tool
    prep_s = 0.0
    from shezhi.engine.supply import step_weights, two_step_fca

    results, pairs_total, pairs_peak_mib = {}, 0, 0.0
    t0 = time.perf_counter()
    if tool == "ours":
        from shezhi.engine.metrics import Accessibility

        acc = Accessibility(net, o)
        prep_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for c, f in fac.items():
            pairs = acc.pairs(f, cutoff_m=cutoff, what=c)
            pairs_total += pairs.distance.size
            pairs_peak_mib = max(pairs_peak_mib, pairs.nbytes / 2**20)
            results[f"{c}:2sfca"] = two_step_fca(pairs, pop, cap[c]).access
            results[f"{c}:e2sfca"] = two_step_fca(pairs, pop, cap[c], weight=step_weights(_STEPS)).access
        cost_s = 0.0
    else:  # scipy cost table, then PySAL access
        import access
        import pandas as pd
        from scipy.sparse.csgraph import dijkstra

        from shezhi.engine.metrics import _same_edge

        g = net.csgraph()
        tables = {}
        for c, f in fac.items():
            on = np.flatnonzero(f.edge >= 0)
            # facility → node distances through both ends of its edge, then origin = node here
            parts = []
            for lo in range(0, on.size, 64):
                sl = np.r_[lo : min(lo + 64, on.size)]
                dn = dijkstra(g, indices=f.u[on[sl]], limit=cutoff) + (f.to_u + f.access)[on[sl], None]
                if (f.to_u[on[sl]] > 0).any():  # off-node facilities also leave through v
                    dv = dijkstra(g, indices=f.v[on[sl]], limit=cutoff) + (f.to_v + f.access)[on[sl], None]
                    dn = np.minimum(dn, dv)
                # to origins on edges: through either end of the origin's edge
                oo = np.flatnonzero(o.edge >= 0)
                do = np.minimum(
                    dn[:, o.u[oo]] + (o.to_u + o.access)[oo], dn[:, o.v[oo]] + (o.to_v + o.access)[oo]
                )
                fi, oi = np.nonzero(do <= cutoff)
                parts.append(pd.DataFrame({"origin": oo[oi], "dest": on[sl][fi], "cost": do[fi, oi]}))
            # points sharing an edge also walk straight along it (the graph alone misses that)
            sf, so, sd = _same_edge(o, f)
            parts.append(pd.DataFrame({"origin": so, "dest": sf, "cost": sd}))
            table = pd.concat(parts, ignore_index=True).sort_values("cost", kind="stable")
            table = table[table.cost <= cutoff].drop_duplicates(["origin", "dest"])
            tables[c] = table
            pairs_total += len(tables[c])
        cost_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for c, table in tables.items():
            a = access.Access(
                demand_df=pd.DataFrame({"geoid": np.arange(len(o)), "pop": pop}),
                demand_index="geoid",
                demand_value="pop",
                supply_df=pd.DataFrame({"geoid": np.arange(len(fac[c])), "cap": cap[c]}),
                supply_index="geoid",
                supply_value="cap",
                cost_df=table,
                cost_origin="origin",
                cost_dest="dest",
                cost_name="cost",
            )
            for name, fn in (("2sfca", None), ("e2sfca", access.weights.step_fn(_STEPS))):
                if fn is None:
                    s = a.two_stage_fca(name=name, max_cost=cutoff)[f"{name}_cap"]
                else:
                    s = a.enhanced_two_stage_fca(name=name, max_cost=cutoff, weight_fn=fn)[f"{name}_cap"]
                arr = np.zeros(len(o))
                s = s.dropna()
                arr[s.index.to_numpy()] = s.to_numpy()
                results[f"{c}:{name}"] = arr
    query_s = time.perf_counter() - t0
    np.savez(out, **results)
    return {
        "import_s": import_s,
        "prep_s": prep_s + cost_s,
        "inputs_s": inputs_s,
        "query_s": query_s,
        "peak_mib": peak_mib(),
        "pairs": pairs_total,
        "pairs_mib": pairs_peak_mib,
        "origins": len(o),
        "facilities": sum(len(f) for f in fac.values()),
    }


_STEPS = {300.0: 1.0, 500.0: 0.68, 1000.0: 0.22}


def _siting_instance(net: WalkNetwork, n_dem: int, n_site: int, cutoff: float) -> tuple[Any, np.ndarray]:
    from shezhi.engine.metrics import Accessibility
    from shezhi.engine.snap import snap_nodes

    rng = np.random.default_rng(SEED + 1)
    amap = amap_points("residential")
    if amap is not None and n_dem > 1000:
        dem = net.snap(*amap, max_distance=500, allow_far=True, what="Amap compounds")
        keep = np.flatnonzero(~dem.far)
        dem = net.snap(amap[0][keep], amap[1][keep], max_distance=500, what="Amap compounds")
    else:
        dem = snap_nodes(net, rng.choice(net.n_nodes, n_dem, replace=False))
    sites = snap_nodes(net, rng.choice(net.n_nodes, n_site, replace=False))
    w = rng.integers(1, 500, len(dem)).astype(float)
    return Accessibility(net, dem).pairs(sites, cutoff_m=cutoff), w


def job_siting(tool: str, net_path: str, problem: str, out: str) -> dict[str, Any]:
    import_s = _import_for(tool)
    net = WalkNetwork.load(net_path)
    t0 = time.perf_counter()
    if problem == "mclp":
        pairs, w = _siting_instance(net, 3000, 300, 500.0)
        p, radius = 10, 500.0
    else:
        pairs, w = _siting_instance(net, 1000, 100, 1e9)
        p = 10
    prep_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    info: dict[str, Any] = {}
    if tool.startswith("ours"):
        from shezhi.engine import siting

        if problem == "mclp":
            s = (
                siting.mclp_greedy(pairs, w, p=p, radius=radius)
                if tool == "ours-greedy"
                else siting.mclp(pairs, w, p=p, radius=radius)
            )
        else:
            s = siting.p_median(pairs, w, p=p, mip_rel_gap=0.01 if tool == "ours" else 1e-6)
        info = {"objective": s.objective, "gap": s.gap, "bound": s.bound, "sites": s.sites.tolist()}
    else:
        import pulp
        from spopt.locate import MCLP, PMedian

        cost = np.full((pairs.n_origins, pairs.n_facilities), 1e12)
        cost[pairs.origin, pairs.facility] = pairs.distance
        limit = 120
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=limit)
        if problem == "mclp":
            model = MCLP.from_cost_matrix(cost, w, service_radius=radius, p_facilities=p)
        else:
            model = PMedian.from_cost_matrix(cost, w, p_facilities=p)
        build_s = time.perf_counter() - t0
        model = model.solve(solver)
        status = pulp.LpStatus[model.problem.status]
        sites = [j for j, v in enumerate(model.fac_vars) if v.value() and v.value() > 0.5]
        if problem == "mclp":
            a = (cost[:, sites] <= radius).any(axis=1)
            objective = float(w[a].sum())
        else:
            objective = float((w * cost[:, sites].min(axis=1)).sum())
        info = {
            "objective": objective,
            "status": status,
            "model_build_s": build_s,
            "time_limit_s": limit,
            "sites": sites,
        }
    query_s = time.perf_counter() - t0
    info.update(
        {
            "import_s": import_s,
            "prep_s": prep_s,
            "query_s": query_s,
            "peak_mib": peak_mib(),
            "demand": pairs.n_origins,
            "candidates": pairs.n_facilities,
        }
    )
    Path(out).write_text(json.dumps(info))
    return info


def run_child(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "nearest":
        tool, net_path, cats_path, k, cutoff, out = argv[1:]
        res = job_nearest(tool, net_path, cats_path, int(k), float(cutoff), out)
    elif kind == "2sfca":
        tool, net_path, cats_path, cutoff, origins, ncat, out = argv[1:]
        res = job_2sfca(tool, net_path, cats_path, float(cutoff), origins, int(ncat), out)
    else:
        tool, net_path, problem, out = argv[1:]
        res = job_siting(tool, net_path, problem, out)
    sys.stdout.write("RESULT " + json.dumps(res) + "\n")


# --------------------------------------------------------------------------------------------
# Parent: run, compare, print
# --------------------------------------------------------------------------------------------
def spawn(args: list[str], timeout: float) -> dict[str, Any]:
    env = dict(os.environ)
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:.0f} s (stopped)"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"error": " | ".join(tail) or f"exit {proc.returncode}"}


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def table(rows: list[dict[str, Any]], ours: dict[str, Any]) -> None:
    out(
        f"  {'tool':<24}{'import s':>9}{'prep s':>9}{'query s':>10}{'total s':>10}{'peak MiB':>10}"
        f"{'query ×':>9}{'total ×':>9}  agreement"
    )
    for r in rows:
        if "error" in r:
            out(f"  {r['tool']:<24}  {r['error']}")
            continue
        tot = r["prep_s"] + r["query_s"]
        otot = ours["prep_s"] + ours["query_s"]
        qx = r["query_s"] / ours["query_s"] if ours["query_s"] > 0 else float("nan")
        tx = tot / otot if otot > 0 else float("nan")
        out(
            f"  {r['tool']:<24}{r.get('import_s', float('nan')):>9.2f}{r['prep_s']:>9.3f}{r['query_s']:>10.3f}{tot:>10.3f}{r['peak_mib']:>10.0f}"
            f"{qx:>9.1f}{tx:>9.1f}  {r.get('agree', '')}"
        )


def compare_nearest(ref: dict[str, np.ndarray], got: dict[str, np.ndarray], ref_name: str, ids: bool) -> str:
    a, b = ref["dist"], got["dist"]
    k = min(a.shape[2], b.shape[2])
    a, b = a[:, :, :k], b[:, :, :k]
    same_inf = np.isinf(a) == np.isinf(b)
    both = np.isfinite(a) & np.isfinite(b)
    err = float(np.abs(a[both] - b[both]).max()) if both.any() else 0.0
    msg = f"max |Δ| vs {ref_name} {err:.2e} m, reach {'same' if same_inf.all() else f'differs at {(~same_inf).sum()} node-rows'}"
    if ids and (got["fac"][:, :, :k] >= 0).any():
        ok = np.isfinite(a[:, :, 0]) & (got["fac"][:, :, 0] >= 0)
        agree = (ref["fac"][:, :, 0][ok] == got["fac"][:, :, 0][ok]).mean()
        msg += f", same nearest facility at {agree:.2%} of nodes (the rest are ties)"
    return msg


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--child", nargs=argparse.REMAINDER)
    ap.add_argument(
        "--district", type=int, default=5, help="tiles per side of the district mosaic (5: ~230k nodes)"
    )
    ap.add_argument(
        "--megacity", type=int, default=15, help="tiles per side of the megacity mosaic (15: ~2.07M nodes)"
    )
    ap.add_argument("--no-megacity", action="store_true")
    ap.add_argument("--cutoff", type=float, default=2000.0)
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds a peer may take per job")
    ap.add_argument("--skip", default="", help="comma-separated tools to leave out (e.g. pandana,igraph)")
    ap.add_argument(
        "--sfca-categories", type=int, default=3, help="categories for the 2SFCA comparison on mosaics"
    )
    ap.add_argument(
        "--megacity-timeout", type=float, default=900.0, help="seconds pandana may take per megacity job"
    )
    ap.add_argument("--only", default="", help="comma-separated tasks: nearest1,nearest3,2sfca,mclp,pmedian")
    args = ap.parse_args()
    if args.child:
        run_child(args.child)
        return
    skip = set(filter(None, args.skip.split(",")))
    tasks = set(args.only.split(",")) if args.only else {"nearest1", "nearest3", "2sfca", "mclp", "pmedian"}
    out("社智 life-circle engine benchmark — one run, this machine")
    out(
        f"  python {sys.version.split()[0]}, {os.cpu_count()} CPUs; times in seconds, ×: peer time / our time"
    )
    nets = build_inputs(args.district, args.megacity, not args.no_megacity)
    have_amap = amap_points("residential") is not None
    if not have_amap:
        out(
            f"  Amap POIs not found at {SHARED}: 2SFCA/MCLP use network nodes as origins (skipped Amap inputs)"
        )
    results: dict[str, Any] = {}
    for spec in nets:
        key = spec["key"]
        out("")
        out(f"== {spec['title']}: {spec['nodes']:,} nodes, {spec['edges']:,} edges; {spec['build']}")
        big = key == "megacity"
        peers1 = (
            ["scipy", "networkit", "igraph"]
            + ([] if big else ["networkx", "pandana"])
            + (["pandana"] if big else [])
        )
        for task, k in (("nearest1", 1), ("nearest3", 3)):
            if task not in tasks:
                continue
            label = f"nearest-{k} facility of every node, {len(CATEGORIES)} categories, {args.cutoff:.0f} m cut-off"
            out(f"-- {label}")
            pandana_ok = "error" not in next(
                (r for r in results.get(f"{key}:nearest1", []) if r["tool"] == "pandana"), {}
            )
            tools = ["ours", "ours-2threads"] + (peers1 if k == 1 else (["pandana"] if pandana_ok else []))
            rows, files = [], {}
            for tool in [t for t in tools if t not in skip]:
                f = str(WORK / f"{key}_{task}_{tool}.npz")
                limit = args.megacity_timeout if big and tool == "pandana" else args.timeout
                r = spawn(["nearest", tool, spec["net"], spec["cats"], str(k), str(args.cutoff), f], limit)
                r["tool"] = tool
                rows.append(r)
                if "error" not in r:
                    files[tool] = f
            ref_tool = "networkx" if "networkx" in files else "scipy"
            if k == 3:
                ref_tool = "pandana" if "pandana" in files else None
                one = WORK / f"{key}_nearest1_scipy.npz"
                if ref_tool is None and one.exists():  # no k = 3 peer: check the nearest one at least
                    files["scipy (nearest-1 column)"] = str(one)
                    ref_tool = "scipy (nearest-1 column)"
            loaded = {t: dict(np.load(f)) for t, f in files.items()}
            for r in rows:
                t = r["tool"]
                if t == ref_tool:
                    r["agree"] = "(reference)"
                elif t in loaded and ref_tool in loaded:
                    r["agree"] = compare_nearest(loaded[ref_tool], loaded[t], ref_tool, ids=False)
                if k == 1 and t.startswith("ours") and t in loaded and "scipy" in loaded:
                    r["agree"] += (
                        "; vs scipy: "
                        + compare_nearest(loaded["scipy"], loaded[t], "scipy", ids=True).split("vs scipy ")[1]
                    )
            table(rows, rows[0])
            results[f"{key}:{task}"] = rows
        if "2sfca" in tasks:
            origins = "amap" if (key == "real" and have_amap) else "nodes"
            out(
                f"-- 2SFCA and stepped E2SFCA, 1000 m catchment, all categories, origins: {'Amap compounds' if origins == 'amap' else 'every node'}"
                " (population and capacities synthetic, seeded)"
            )
            rows = []
            ncat = 99 if key == "real" else args.sfca_categories
            jobs = [("ours", ncat)] + ([] if big else [("scipy+access", ncat)])
            if ncat < len(CATEGORIES):
                jobs.append(("ours", 99))
            if big:
                jobs = [("ours", 99)]
            for tool, nc in jobs:
                if tool in skip:
                    continue
                f = str(WORK / f"{key}_2sfca_{tool}_{nc}.npz")
                r = spawn(
                    ["2sfca", tool, spec["net"], spec["cats"], "1000", origins, str(nc), f], args.timeout
                )
                r["tool"] = tool if nc >= len(CATEGORIES) or key == "real" else f"{tool} ({nc} categories)"
                if tool == "ours" and nc == 99 and ncat < len(CATEGORIES):
                    r["tool"] = "ours (all categories)"
                r["file"] = f
                rows.append(r)
            if (
                len(rows) >= 2
                and rows[1]["tool"].startswith("scipy+access")
                and not {"error"} & (rows[0].keys() | rows[1].keys())
            ):
                a, b = np.load(rows[0]["file"]), np.load(rows[1]["file"])
                rel = max(
                    float(np.max(np.abs(a[c] - b[c]) / np.maximum(np.abs(b[c]), 1e-300))) for c in a.files
                )
                rows[1]["agree"] = f"max relative Δ {rel:.1e} over {len(a.files)} measures"
            for r0 in rows:
                if r0["tool"].startswith("ours") and "error" not in r0:
                    r0["agree"] = (
                        f"{r0['origins']:,} origins, {r0['facilities']:,} facilities, {r0['pairs']:,} pairs "
                        f"(largest category {r0['pairs_mib']:.0f} MiB); loading+snapping {r0['inputs_s']:.2f} s, same for all"
                    )
            table(rows, rows[0])
            results[f"{key}:2sfca"] = rows
        if key == "real":
            for problem in ("mclp", "pmedian"):
                if problem not in tasks:
                    continue
                if problem == "mclp":
                    out(
                        "-- MCLP: p = 10 of 300 candidate nodes, 500 m, demand "
                        + ("Amap compounds" if have_amap else "3,000 nodes")
                        + " (weights synthetic)"
                    )
                    tools = ["ours", "ours-greedy", "spopt"]
                else:
                    out("-- p-median: 1,000 demand nodes × 100 candidate nodes, p = 10 (weights synthetic)")
                    tools = ["ours", "ours-exact", "spopt"]
                rows = []
                for tool in [t for t in tools if t not in skip]:
                    f = str(WORK / f"real_{problem}_{tool}.json")
                    r = spawn(["siting", tool, spec["net"], problem, f], args.timeout)
                    r["tool"] = tool
                    rows.append(r)
                best = (
                    max((r["objective"] for r in rows if "objective" in r), default=0)
                    if problem == "mclp"
                    else min((r["objective"] for r in rows if "objective" in r), default=0)
                )
                for r in rows:
                    if "objective" in r:
                        extra = (
                            f"gap {r['gap']:.2%}"
                            if "gap" in r
                            else f"CBC {r['status']} (limit {r['time_limit_s']} s), model build {r['model_build_s']:.2f} s"
                        )
                        diff = (r["objective"] - best) / best if best else 0.0
                        versus = "= best" if abs(diff) <= 1e-6 else f"{diff:+.3%} vs best"
                        r["agree"] = f"objective {r['objective']:,.1f} ({versus}); {extra}"
                table(rows, rows[0])
                results[f"real:{problem}"] = rows
    (WORK / "results.json").write_text(json.dumps(results, indent=1, default=str))
    out("")
    out(f"results: {WORK / 'results.json'}")


if __name__ == "__main__":
    main()
