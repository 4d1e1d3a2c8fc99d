"""The engine loads and runs without Django: a fresh interpreter imports it and checks."""

import subprocess
import sys

CODE = """
import sys
import shezhi.engine.isochrone, shezhi.engine.metrics, shezhi.engine.network, shezhi.engine.osm
import shezhi.engine.siting, shezhi.engine.snap, shezhi.engine.supply
bad = sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'ninja'}
             or (m.startswith('shezhi.') and not m.startswith('shezhi.engine')))
print(bad)
"""


def test_importing_the_engine_pulls_in_no_django_and_no_app():
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, env={"PATH": ""}
    )
    assert out.stdout.strip() == "[]"
