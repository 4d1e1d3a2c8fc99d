"""Spreadsheet exports are inert: no cell a user typed can become a formula.

Every Excel/CSV export passes its rows through :func:`safe_row` (or single values through
:func:`safe_cell`). A *string* starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return (or their full-width forms) is written as text, prefixed with a single quote, as the
OWASP guidance on CSV/formula injection recommends; numbers, dates and empty cells are left
as they are (a negative number stays a number).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """``value``, with a leading quote if it is a string a spreadsheet could read as a formula."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Each cell of a row through :func:`safe_cell` (cell objects keep their own value checked)."""
    out = []
    for v in values:
        if hasattr(v, "value") and not isinstance(v, str | int | float):
            v.value = safe_cell(v.value)  # an openpyxl WriteOnlyCell with a style
        out.append(safe_cell(v))
    return out


class InertSheet:
    """A worksheet whose ``append`` passes every row through :func:`safe_row`."""

    def __init__(self, sheet: Any) -> None:
        self._sheet = sheet

    def append(self, row: Iterable[Any]) -> None:
        self._sheet.append(safe_row(row))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sheet, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_sheet":
            object.__setattr__(self, name, value)
        else:
            setattr(self._sheet, name, value)  # e.g. freeze_panes


def inert(sheet: Any) -> Any:
    """``sheet`` wrapped so that nothing appended to it can be a formula."""
    return InertSheet(sheet)
