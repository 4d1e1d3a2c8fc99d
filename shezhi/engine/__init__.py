"""The life-circle engine (生活圈引擎): walking networks, nearest facilities, coverage, supply and siting.

A pure library: NumPy/SciPy arrays in and out, hot loops in numba, no Django and no other
shezhi app imported (an import-linter contract checks it). Coordinates are WGS-84; other
declared systems go through :mod:`shezhi.engine.crs`.
"""
