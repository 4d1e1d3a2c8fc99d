"""The life-circle engine (生活圈引擎): walking networks, nearest facilities, coverage, supply and siting.

A pure library: NumPy/SciPy arrays in and out, hot loops in numba, no Django and no other
shezhi app imported (an import-linter contract checks it). Coordinates are WGS-84; other
declared systems go through :mod:`shezhi.engine.crs`.

The modules, by job: :mod:`~shezhi.engine.network` and :mod:`~shezhi.engine.osm` (graph
preparation), :mod:`~shezhi.engine.snap` (points onto edges), :mod:`~shezhi.engine.kernels`
(numerical searches), :mod:`~shezhi.engine.chains` (the core graph the searches run on),
:mod:`~shezhi.engine.metrics` (nearest k, counts, coverage),
:mod:`~shezhi.engine.supply` (2SFCA), :mod:`~shezhi.engine.siting` (MCLP, p-median),
:mod:`~shezhi.engine.isochrone` (polygons for the map).

A planner's session, pandana-style (``WalkNetwork.from_pbf(path)`` reads a city instead):

>>> from shezhi.engine.network import WalkNetwork
>>> from shezhi.engine.metrics import coverage, minutes_to_metres
>>> net = WalkNetwork.from_edges([104.0, 104.001, 104.002, 104.003], [30.0] * 4, [0, 1, 2], [1, 2, 3])
>>> homes = net.snap([104.0, 104.0015, 104.003], [30.0001, 30.0, 30.0])  # the first 11 m off the street
>>> clinics = net.snap([104.0029], [30.0])
>>> near = net.accessibility(homes).nearest(clinics, k=1, cutoff_m=1500)
>>> near.distance.round().ravel().tolist()
[291.0, 135.0, 10.0]
>>> coverage(near.distance[:, 0], minutes_to_metres([1, 5]), weights=[120, 80, 40]).total.tolist()
[0.16666666666666666, 1.0]
"""


def load_kernels() -> None:
    """Load the compiled search kernels now rather than on the first query.

    The kernels are numba functions compiled once into numba's on-disk cache (the first run
    of a fresh checkout compiles them, which takes a minute); a new process still spends about
    0.3 s loading them, the way a C extension is loaded at import. Call this when a worker or a
    notebook starts so that the first query is as fast as the others.
    """
    from shezhi.engine.metrics import Accessibility
    from shezhi.engine.network import WalkNetwork
    from shezhi.engine.snap import snap_nodes

    net = WalkNetwork.from_edges([0.0, 0.001, 0.002], [0.0, 0.0, 0.0], [0, 1], [1, 2])
    acc = Accessibility(net, snap_nodes(net, [0, 2]))
    shop = snap_nodes(net, [1])
    for k in (1, 2):
        acc.nearest(shop, k=k, cutoff_m=500.0)
    acc.pairs(shop, cutoff_m=500.0)
