"""The examples in the engine's docstrings run as tests."""

import doctest
import importlib
import pkgutil

import pytest

import shezhi.engine

MODULES = ["shezhi.engine"] + sorted(
    m.name
    for m in pkgutil.iter_modules(shezhi.engine.__path__, "shezhi.engine.")
    if not m.name.endswith(".tests")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_public_modules_carry_examples():
    attempted = {n: doctest.testmod(importlib.import_module(n)).attempted for n in MODULES}
    for name in ("shezhi.engine.crs", "shezhi.engine.network", "shezhi.engine.snap", "shezhi.engine.metrics"):
        assert attempted[name] > 0, name
