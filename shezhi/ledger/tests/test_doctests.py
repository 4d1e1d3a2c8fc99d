"""The examples in the ledger's docstrings run as tests."""

import doctest
import importlib
import pkgutil

import pytest

import shezhi.ledger

MODULES = sorted(
    m.name
    for m in pkgutil.iter_modules(shezhi.ledger.__path__, "shezhi.ledger.")
    if not m.name.endswith(".tests")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
