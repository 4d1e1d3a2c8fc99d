"""The walking network of the platform, parsed from OSM once and kept under ``var/networks``.

The cache key is the PBF's content hash and the engine's file format, so re-running an
analysis on unchanged inputs reuses the stored network, and a new extract or engine format
is parsed afresh. Networks are also kept in process memory for the what-if map.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from django.conf import settings

from shezhi.engine.network import FORMAT_VERSION, WalkNetwork
from shezhi.places.osm import BUNDLED_PBF

_lock = threading.Lock()
_loaded: dict[str, WalkNetwork] = {}


def network_key(pbf: Path = BUNDLED_PBF) -> str:
    """``<first 16 hex of sha256>-f<format>`` of an extract."""
    digest = hashlib.sha256(Path(pbf).read_bytes()).hexdigest()[:16]
    return f"{digest}-f{FORMAT_VERSION}"


def cache_dir() -> Path:
    path = Path(settings.VAR_DIR) / "networks"
    path.mkdir(parents=True, exist_ok=True)
    return path


def walk_network(pbf: Path = BUNDLED_PBF) -> tuple[WalkNetwork, str, bool]:
    """(network, cache key, whether it was parsed now) for an OSM extract."""
    key = network_key(pbf)
    with _lock:
        if key in _loaded:
            return _loaded[key], key, False
        path = cache_dir() / f"{key}.npz"
        parsed = False
        if path.exists():
            net = WalkNetwork.load(path)
        else:
            net = WalkNetwork.from_pbf(pbf)
            tmp = path.with_suffix(".tmp.npz")
            net.save(tmp)
            tmp.replace(path)  # atomic: a concurrent reader never sees half a file
            parsed = True
        _loaded[key] = net
        return net, key, parsed
