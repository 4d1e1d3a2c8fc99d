"""The walking network of the platform, parsed from OSM once and kept under ``var/networks``.

The cache key is the PBF's content hash and the engine's file format, so re-running an
analysis on unchanged inputs reuses the stored network, and a new extract or engine format
is parsed afresh. Networks are also kept in process memory for the what-if map.

Which network: a run evaluates on the current extract that serves its area (see
:func:`~shezhi.lifecircle.extracts.current_extract`; the bundled central-Chengdu extract
when none was loaded) and records its key; its map, what-if and report later load that
same network by key (:func:`run_network`), whatever extract is current by then.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from shezhi.engine.network import FORMAT_VERSION, WalkNetwork
from shezhi.places.osm import BUNDLED_PBF

if TYPE_CHECKING:
    from shezhi.places.models import Division, OsmExtract

_lock = threading.Lock()
_loaded: OrderedDict[str, WalkNetwork] = OrderedDict()
#: Networks kept in memory at once (each extract's; a city's is a few hundred MB).
_KEEP = 3


def network_key(pbf: Path = BUNDLED_PBF) -> str:
    """``<first 16 hex of sha256>-f<format>`` of an extract."""
    digest = hashlib.sha256(Path(pbf).read_bytes()).hexdigest()[:16]
    return f"{digest}-f{FORMAT_VERSION}"


def cache_dir() -> Path:
    path = Path(settings.VAR_DIR) / "networks"
    path.mkdir(parents=True, exist_ok=True)
    return path


def remember(key: str, net: WalkNetwork) -> None:
    """Keep ``net`` in memory under ``key`` (the least recently used one goes past ``_KEEP``)."""
    with _lock:
        _loaded[key] = net
        _loaded.move_to_end(key)
        while len(_loaded) > _KEEP:
            _loaded.popitem(last=False)


def walk_network(pbf: Path = BUNDLED_PBF) -> tuple[WalkNetwork, str, bool]:
    """(network, cache key, whether it was parsed now) for an OSM extract."""
    key = network_key(pbf)
    with _lock:
        if key in _loaded:
            _loaded.move_to_end(key)
            return _loaded[key], key, False
    path = cache_dir() / f"{key}.npz"
    parsed = False
    if path.exists():
        net = WalkNetwork.load(path)
    else:
        net = WalkNetwork.from_pbf(pbf)
        tmp = path.with_suffix(f".{threading.get_ident()}.tmp.npz")
        net.save(tmp)
        tmp.replace(path)  # atomic: a concurrent reader never sees half a file
        parsed = True
    remember(key, net)
    return net, key, parsed


def network_by_key(key: str) -> WalkNetwork | None:
    """The cached network ``key``, or None when it is no longer cached."""
    with _lock:
        if key in _loaded:
            _loaded.move_to_end(key)
            return _loaded[key]
    path = cache_dir() / f"{key}.npz"
    if not path.exists():
        return None
    net = WalkNetwork.load(path)
    remember(key, net)
    return net


def current_network(area: Division | None = None) -> tuple[WalkNetwork, str, bool, OsmExtract | None]:
    """(network, key, parsed now, extract) a new run of ``area`` evaluates on."""
    from shezhi.lifecircle.extracts import current_extract

    extract = current_extract(area)
    if extract is not None:
        net = network_by_key(extract.network_key)
        if net is not None:
            return net, extract.network_key, False, extract
        if extract.path and Path(extract.path).exists():
            net, key, parsed = walk_network(Path(extract.path))
            return net, key, parsed, extract
    net, key, parsed = walk_network()
    return net, key, parsed, None


def run_network(run: Any) -> WalkNetwork:
    """The network a run was evaluated on (by its recorded key), else the current one of its area."""
    if run.network_key:
        net = network_by_key(run.network_key)
        if net is not None:
            return net
        extract = getattr(run, "extract", None)
        if extract is not None and extract.path and Path(extract.path).exists():
            return walk_network(Path(extract.path))[0]
    return current_network(run.area)[0]
