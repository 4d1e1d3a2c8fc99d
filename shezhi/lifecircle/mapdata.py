"""Map layers of a run and the what-if of a hypothetical facility.

The what-if keeps each run's inputs and snapped origins in process memory, so adding a
facility recomputes one element over the network in well under a second, without a run.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import shapely
from django.core.exceptions import ValidationError

from shezhi.accounts.models import User
from shezhi.engine.errors import EngineError
from shezhi.engine.snap import Snapped
from shezhi.lifecircle import selectors
from shezhi.lifecircle.analysis import (
    ElementResult,
    Facilities,
    Inputs,
    Rule,
    evaluate_element,
    gather,
    snap_origins,
)
from shezhi.lifecircle.analysis import what_if as compute_what_if
from shezhi.lifecircle.models import AnalysisRun, ServiceElement
from shezhi.lifecircle.network import run_network

_lock = threading.Lock()
_inputs: OrderedDict[int, tuple[Inputs, Snapped]] = OrderedDict()
_KEEP = 4
#: Each (run, element)'s walks without a hypothetical facility: a what-if then walks only
#: from the compounds the new facility can reach (a city-wide what-if in well under a second).
_before: OrderedDict[tuple[int, str], ElementResult] = OrderedDict()
_KEEP_BEFORE = 32


def layers(*, actor: User, run: AnalysisRun, element: ServiceElement) -> dict[str, Any]:
    """GeoJSON of the actor's compounds (walk to ``element``) and the element's facilities."""
    from shezhi.people.models import Facility

    radius = run.radius_m(element)
    features = []
    lons, lats = [], []
    for r in selectors.compound_results(actor=actor, run=run):
        v = r.values.get(element.code, {})
        c = r.compound
        lons.append(c.lon)
        lats.append(c.lat)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                "properties": {
                    "layer": "compound",
                    "id": c.pk,
                    "name": c.name,
                    "name_generated": c.name_generated,
                    "community": r.community.name,
                    "community_code": r.community.code,
                    "households": r.households,
                    "d": v.get("d"),
                    "n": v.get("n", 0),
                    "ok": v.get("ok", False),
                    "minutes": round(v["d"] / run.speed_mps / 60, 1) if v.get("d") is not None else None,
                },
            }
        )
    if lons:
        pad = 0.01
        # Shown through the one scoping primitive: the run counted every facility near the
        # area (a walker crosses area lines), the map shows those this user may see.
        facilities = (
            Facility.objects.visible_to(actor)
            .filter(
                category=element.code,
                lon__gte=min(lons) - pad,
                lon__lte=max(lons) + pad,
                lat__gte=min(lats) - pad,
                lat__lte=max(lats) + pad,
            )
            .values_list("pk", "name", "lon", "lat", "synthetic")
        )
        for pk, name, lon, lat, synthetic in facilities:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": {"layer": "facility", "id": pk, "name": name, "synthetic": synthetic},
                }
            )
    communities = community_boundaries(actor=actor, run=run)
    _summarise_communities(communities, features)
    features = communities + grid_boundaries(actor=actor, run=run) + features
    return {
        "type": "FeatureCollection",
        "element": {"code": element.code, "name": element.name, "radius_m": round(radius)},
        "features": features,
    }


def run_inputs(run: AnalysisRun) -> tuple[Inputs, Snapped]:
    with _lock:
        if run.pk in _inputs:
            _inputs.move_to_end(run.pk)
            return _inputs[run.pk]
    from shezhi.lifecircle.models import CompoundResult

    net = run_network(run)
    inputs = gather(
        area_prefix=run.area.prefix,
        elements=list(run.standard.elements.all()),
        speed_mps=run.speed_mps,
        compounds=CompoundResult.objects.filter(run=run).values("compound_id"),
    )
    origins = snap_origins(net, inputs)
    with _lock:
        _inputs[run.pk] = (inputs, origins)
        while len(_inputs) > _KEEP:
            _inputs.popitem(last=False)
    return inputs, origins


def what_if(
    *, actor: User, run: AnalysisRun, element: ServiceElement, lon: float, lat: float
) -> dict[str, Any]:
    """Coverage of ``element`` in the actor's part of the run's area, with one more facility."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError("经纬度超出范围 / coordinates out of range")
    net = run_network(run)
    inputs, origins = run_inputs(run)
    visible = {r.community_id for r in selectors.community_results(actor=actor, run=run)}
    snapped = net.snap([lon], [lat], max_distance=500, allow_far=True, check_crs=False)
    if bool(snapped.far[0]):
        raise ValidationError(
            "该位置离步行路网超过 500 米 / this point is over 500 m from the walking network"
        )
    rule = Rule.of(element)
    try:
        with _lock:
            before = _before.get((run.pk, element.code))
        if before is None:
            facilities = inputs.facilities.get(rule.code, Facilities.empty())
            before = evaluate_element(net, origins, inputs, rule, facilities)
            with _lock:
                _before[(run.pk, element.code)] = before
                while len(_before) > _KEEP_BEFORE:
                    _before.popitem(last=False)
        body = compute_what_if(
            net, inputs, origins, rule, lon, lat, communities=sorted(visible), before=before
        )
    except EngineError as exc:
        raise ValidationError(f"无法计算 / cannot compute: {exc}") from exc
    body["communities"] = {str(k): v for k, v in body["communities"].items()}
    return body


def isochrone_geojson(*, run: AnalysisRun, lon: float, lat: float) -> dict[str, Any]:
    """5/10/15-minute walking isochrones around a point, at the run's walking speed."""
    from shapely.geometry import mapping

    from shezhi.engine.isochrone import isochrones

    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError("经纬度超出范围 / coordinates out of range")
    net = run_network(run)
    point = net.snap([lon], [lat], max_distance=500, allow_far=True, check_crs=False)
    if bool(point.far[0]):
        raise ValidationError(
            "该位置离步行路网超过 500 米 / this point is over 500 m from the walking network"
        )
    polygons = isochrones(net, point, minutes=(5.0, 10.0, 15.0), speed_mps=run.speed_mps)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"minutes": minutes},
                "geometry": mapping(shapely.set_precision(poly, 1e-6)),
            }
            for minutes, poly in zip((15, 10, 5), reversed(polygons), strict=True)
        ],
    }


def _summarise_communities(communities: list[dict[str, Any]], compounds: list[dict[str, Any]]) -> None:
    """Give each community feature its 户数, covered share and mean walk (household-weighted),
    so its tooltip reads like its compounds' (never ``undefined``)."""
    totals: dict[str, list[float]] = {}
    for f in compounds:
        p = f["properties"]
        if p.get("layer") != "compound":
            continue
        t = totals.setdefault(p["community_code"], [0.0, 0.0, 0.0, 0.0])  # hh, covered, hh·min, hh with min
        hh = float(p["households"] or 0)
        t[0] += hh
        if p["ok"]:
            t[1] += hh
        if p["minutes"] is not None:
            t[2] += hh * p["minutes"]
            t[3] += hh
    for f in communities:
        p = f["properties"]
        hh, covered, weighted, with_minutes = totals.get(p["community_code"], [0.0, 0.0, 0.0, 0.0])
        p["households"] = round(hh)
        p["covered_share"] = round(covered / hh, 3) if hh else None
        p["minutes"] = round(weighted / with_minutes, 1) if with_minutes else None


def community_boundaries(*, actor: User, run: AnalysisRun) -> list[dict[str, Any]]:
    """Boundaries of the communities of the run the actor may see (generated ones are marked)."""
    return [
        {
            "type": "Feature",
            "geometry": r.community.boundary,
            "properties": {
                "layer": "community",
                "name": r.community.name,
                "community_code": r.community.code,
                "generated": r.community.boundary_source == "generated",
            },
        }
        for r in selectors.community_results(actor=actor, run=run)
        if r.community.boundary
    ]


def grid_boundaries(*, actor: User, run: AnalysisRun) -> list[dict[str, Any]]:
    """The 一般网格 of the run's area the actor may see (for the grid layer of the map)."""
    from shezhi.places.models import Grid, GridKind

    grids = Grid.objects.visible_to(actor).filter(
        community__code__startswith=run.area.prefix, kind=GridKind.GENERAL
    )
    return [
        {
            "type": "Feature",
            "geometry": g.boundary,
            "properties": {"layer": "grid", "name": g.name, "generated": g.source == "generated"},
        }
        for g in grids.only("name", "boundary", "source")
    ]
