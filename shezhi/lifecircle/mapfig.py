"""The report's map figure: compounds coloured by their walk to one element, over the OSM streets.

Drawn with matplotlib's Agg backend (no display, no fonts needed: the legend is set in the
PDF in Chinese) to a PNG the PDF embeds. The street network is the bundled walking network
(© OpenStreetMap contributors), clipped to the compounds' extent.
"""

from __future__ import annotations

import math
from io import BytesIO

import matplotlib

matplotlib.use("Agg")  # before pyplot: render off-screen, in any thread

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from PIL import Image

from shezhi.engine.network import WalkNetwork
from shezhi.lifecircle.report_content import MapLayer

#: Colours of the three states, shared with the legend the PDF draws.
COLOURS = {"covered": "#2e7d32", "uncovered": "#ef6c00", "none": "#c62828", "facility": "#1565c0"}
STREET = "#9e9e9e"
PAD_DEG = 0.004


def network_segments(net: WalkNetwork, bbox: tuple[float, float, float, float]) -> np.ndarray:
    """Straight pieces ``(k, 2, 2)`` of every edge geometry with a vertex inside ``bbox``."""
    lon, lat, ptr = net.geom_lon, net.geom_lat, net.geom_ptr
    if lon.size < 2:
        return np.zeros((0, 2, 2))
    start = np.arange(lon.size - 1)
    last = np.zeros(lon.size, dtype=bool)
    last[ptr[1:] - 1] = True  # an edge's last vertex does not join the next edge's first
    start = start[~last[:-1]]
    west, south, east, north = bbox
    a_in = (lon[start] >= west) & (lon[start] <= east) & (lat[start] >= south) & (lat[start] <= north)
    b = start + 1
    b_in = (lon[b] >= west) & (lon[b] <= east) & (lat[b] >= south) & (lat[b] <= north)
    keep = start[a_in | b_in]
    seg = np.empty((keep.size, 2, 2))
    seg[:, 0, 0], seg[:, 0, 1] = lon[keep], lat[keep]
    seg[:, 1, 0], seg[:, 1, 1] = lon[keep + 1], lat[keep + 1]
    return seg


def state(distance_m: float | None, ok: bool) -> str:
    if ok:
        return "covered"
    return "none" if distance_m is None else "uncovered"


def map_png(layer: MapLayer, net: WalkNetwork, *, width_in: float = 6.3, dpi: int = 150) -> bytes | None:
    """PNG of the layer over the streets, or None when the layer has no compound."""
    if not layer.points:
        return None
    lons = np.array([p.lon for p in layer.points])
    lats = np.array([p.lat for p in layer.points])
    west, east = lons.min() - PAD_DEG, lons.max() + PAD_DEG
    south, north = lats.min() - PAD_DEG, lats.max() + PAD_DEG
    # Equirectangular at the centre latitude: metres east and north at the same scale.
    aspect = 1 / math.cos(math.radians((south + north) / 2))
    height_in = min(max(width_in * (north - south) * aspect / (east - west), 2.5), 8.0)
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.add_collection(
        LineCollection(network_segments(net, (west, south, east, north)), colors=STREET, linewidths=0.5)
    )
    households = np.array([p.households for p in layer.points], dtype=float)
    sizes = 6 + 60 * np.sqrt(households / max(households.max(), 1))
    colours = [COLOURS[state(p.distance_m, p.ok)] for p in layer.points]
    ax.scatter(lons, lats, s=sizes, c=colours, edgecolors="white", linewidths=0.4, zorder=3)
    if layer.facilities:
        flon, flat = zip(*layer.facilities, strict=True)
        ax.scatter(
            flon, flat, s=22, marker="^", c=COLOURS["facility"], edgecolors="white", linewidths=0.4, zorder=4
        )
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(aspect)
    ax.set_axis_off()
    _scale_bar(ax, west, south, east, north)
    raw = BytesIO()
    fig.savefig(raw, format="png", dpi=dpi, facecolor="white")
    # A few flat colours: a 32-colour palette keeps the PDF about 300 kB lighter.
    with Image.open(raw) as im:
        paletted = im.convert("RGB").quantize(colors=32, method=Image.Quantize.FASTOCTREE)
    out = BytesIO()
    paletted.save(out, format="PNG")
    return out.getvalue()


def _scale_bar(ax, west: float, south: float, east: float, north: float) -> None:  # type: ignore[no-untyped-def]
    """A 500 m (or 1 km) bar in the lower left, labelled in metres."""
    metres_per_deg = 111_320 * math.cos(math.radians((south + north) / 2))
    span_m = (east - west) * metres_per_deg
    length = 1000 if span_m > 4000 else 500
    x0 = west + (east - west) * 0.04
    y0 = south + (north - south) * 0.04
    ax.plot([x0, x0 + length / metres_per_deg], [y0, y0], color="black", linewidth=2, zorder=4)
    ax.text(x0, y0 + (north - south) * 0.015, f"{length} m", fontsize=7, zorder=4)
    ax.text(
        east - (east - west) * 0.04, north - (north - south) * 0.08, "N ↑", fontsize=8, ha="right", zorder=4
    )
