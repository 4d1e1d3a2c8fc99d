"""The formula language: parsing, units, evaluation, cycles — without the database."""

import pytest

from shezhi.indicators import formula, units
from shezhi.indicators.units import dim


def test_parse_precedence_and_render():
    ast = formula.parse("100 * cases.closed / cases.accepted")
    assert ast == {
        "op": "/",
        "args": [{"op": "*", "args": [{"num": 100.0}, {"m": "cases.closed"}]}, {"m": "cases.accepted"}],
    }
    assert formula.render(ast) == "100 * cases.closed / cases.accepted"
    ast = formula.parse("a.b - (c.d - e.f)")
    assert formula.render(ast) == "a.b - (c.d - e.f)"
    assert formula.refs_of(formula.parse("(#{SVC-01} + #{GOV-02}) / 2")) == {"SVC-01", "GOV-02"}
    assert formula.render(formula.parse("max(a.b, -c.d)")) == "max(a.b, -c.d)"


@pytest.mark.parametrize(
    "text", ["", "1 +", "__import__('os')", "cases.closed ** 2", "x", "#{svc}", "a.b; c.d"]
)
def test_bad_syntax_is_refused_never_evaluated(text):
    with pytest.raises(formula.FormulaError):
        formula.parse(text)


def _dims(name):
    return {"cases.closed": dim(item=1), "people.households": dim(household=1), "cases.hours": dim(hour=1)}[
        name
    ]


def test_units_are_checked():
    d = formula.dimension(formula.parse("1000 * cases.closed / people.households"), _dims, lambda r: ())
    assert d == units.UNIT_DIM["per_1000hh"]
    with pytest.raises(formula.FormulaError) as exc:
        formula.dimension(formula.parse("cases.closed + people.households"), _dims, lambda r: ())
    assert exc.value.code == "unit_mismatch"
    with pytest.raises(formula.FormulaError) as exc:
        formula.dimension(formula.parse("cases.closed / 0"), _dims, lambda r: ())
    assert exc.value.code == "div_zero"


def test_division_by_zero_and_missing_give_no_value():
    ast = formula.parse("100 * a.x / a.y")
    assert formula.evaluate(ast, {"a.x": 3.0, "a.y": 4.0}.get, lambda r: 0) == 75.0
    missing = formula.evaluate(ast, {"a.x": 3.0, "a.y": 0.0}.get, lambda r: 0)
    assert isinstance(missing, formula.Missing)
    assert "分母为零" in missing.zh
    pending = formula.Missing("暂无数据来源", "no source yet")
    assert formula.evaluate(ast, lambda n: pending if n == "a.x" else 1.0, lambda r: 0) is pending


def test_cycles_are_found_and_order_respects_references():
    assert formula.find_cycle({"A": {"B"}, "B": {"C"}, "C": {"A"}}) == ["A", "B", "C", "A"]
    assert formula.find_cycle({"A": {"B"}, "B": set()}) is None
    assert formula.order({"A": {"B"}, "B": {"C"}, "C": set()}) == ["C", "B", "A"]
