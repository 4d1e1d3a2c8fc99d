"""Units of indicators and measures as dimensions (base units with exponents).

A measure's unit and an indicator's unit are dimensions over the base units ``item`` (件/个),
``household`` (户), ``person`` (人), ``hour`` (小时), ``m2`` (平方米). A formula's dimension is
derived from its measures (``+ - min max`` need equal dimensions, ``* /`` combine them,
numbers are dimensionless), and must equal its indicator's. Percent and ratio are
dimensionless: ``count / count * 100`` is a percentage.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

Dim = tuple[tuple[str, int], ...]  # sorted, zero exponents dropped

DIMENSIONLESS: Dim = ()


def dim(**exponents: int) -> Dim:
    return tuple(sorted((k, v) for k, v in exponents.items() if v))


def combine(a: Dim, b: Dim, sign: int) -> Dim:
    out = dict(a)
    for k, v in b:
        out[k] = out.get(k, 0) + sign * v
    return dim(**out)


def describe(d: Dim) -> str:
    if not d:
        return "1"
    num = "·".join(k if v == 1 else f"{k}^{v}" for k, v in d if v > 0) or "1"
    den = "·".join(k if v == -1 else f"{k}^{-v}" for k, v in d if v < 0)
    return f"{num}/{den}" if den else num


#: What the pages call each base unit (``describe`` writes the code names, for formulas).
BASE_LABELS = {
    "item": _("件"),
    "household": _("户"),
    "person": _("人"),
    "hour": _("小时"),
    "m2": _("平方米"),
}


def describe_label(d: Dim) -> str:
    """``d`` in the reader's language, e.g. 件/户 for ``item/household``."""

    def name(k: str, v: int) -> str:
        label = str(BASE_LABELS.get(k, k))
        return label if abs(v) == 1 else f"{label}^{abs(v)}"

    if not d:
        return str(_("无量纲"))
    num = "·".join(name(k, v) for k, v in d if v > 0) or "1"
    den = "·".join(name(k, v) for k, v in d if v < 0)
    return f"{num}/{den}" if den else num


class Unit(models.TextChoices):
    PERCENT = "percent", _("%")
    RATIO = "ratio", _("比值")
    COUNT = "count", _("个（项、件）")
    HOUSEHOLDS = "households", _("户")
    PERSONS = "persons", _("人")
    HOURS = "hours", _("小时")
    HOURS_PER_CASE = "hours_per_case", _("小时/件")
    M2 = "m2", _("平方米")
    M2_PER_100HH = "m2_per_100hh", _("平方米/百户")
    PER_1000HH = "per_1000hh", _("件/千户")
    HOURS_PER_CAPITA = "hours_per_capita", _("小时/人")
    PER_10000P = "per_10000p", _("个/万人")


#: The dimension each indicator unit stands for.
UNIT_DIM: dict[str, Dim] = {
    Unit.PERCENT: DIMENSIONLESS,
    Unit.RATIO: DIMENSIONLESS,
    Unit.COUNT: dim(item=1),
    Unit.HOUSEHOLDS: dim(household=1),
    Unit.PERSONS: dim(person=1),
    Unit.HOURS: dim(hour=1),
    Unit.HOURS_PER_CASE: dim(hour=1, item=-1),
    Unit.M2: dim(m2=1),
    Unit.M2_PER_100HH: dim(m2=1, household=-1),
    Unit.PER_1000HH: dim(item=1, household=-1),
    Unit.HOURS_PER_CAPITA: dim(hour=1, person=-1),
    Unit.PER_10000P: dim(item=1, person=-1),
}

#: Units whose values are bounded to 0–100 (targets and entered values are checked).
BOUNDED_0_100 = {Unit.PERCENT}
