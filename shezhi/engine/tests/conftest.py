"""Fixtures of the engine's tests: no database, no Django models; the real bundled network."""

from __future__ import annotations

from pathlib import Path

import pytest

from shezhi.engine.network import WalkNetwork

BUNDLED_PBF = Path(__file__).resolve().parents[2] / "places" / "data" / "chengdu_central_2018.osm.pbf"


@pytest.fixture(scope="session")
def chengdu() -> WalkNetwork:
    """The central-Chengdu walking network (OSM 2018, ODbL), simplified, largest component."""
    return WalkNetwork.from_pbf(BUNDLED_PBF)


@pytest.fixture(scope="session")
def chengdu_full() -> WalkNetwork:
    """The same network with every OSM vertex kept as a node."""
    return WalkNetwork.from_pbf(BUNDLED_PBF, simplify=False)
