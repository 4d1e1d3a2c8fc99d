"""The ledger loads and runs without Django: a fresh interpreter imports it and checks."""

import subprocess
import sys

CODE = """
import sys
import shezhi.ledger.checkpoint, shezhi.ledger.entries, shezhi.ledger.merkle, shezhi.ledger.note
import shezhi.ledger.receipt, shezhi.ledger.tiles, shezhi.ledger.verify, shezhi.ledger.witness
bad = sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'ninja'}
             or (m.startswith('shezhi.') and not m.startswith('shezhi.ledger')))
print(bad)
"""


def test_importing_the_ledger_pulls_in_no_django_and_no_app():
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, env={"PATH": ""}
    )
    assert out.stdout.strip() == "[]"
