"""The indicator formula language: parsed with ``lark`` to a JSON AST, checked, evaluated.

Never ``eval``: the text is parsed by a small grammar (docs/indicators.md) into a tree of
numbers, measures, indicator references and the operators ``+ - * /``, unary minus and the
functions ``min(a, b, …)`` and ``max(a, b, …)``::

    100 * cases.closed / cases.accepted
    people.facility_area_m2.elderly_daycare / people.households * 100
    (#{SVC-01} + #{SVC-02}) / 2

* A **measure** is a dotted lower-case name from the measure registry (``measures.py``).
* ``#{CODE}`` refers to another indicator's value for the same area and period (DHIS2 style);
  references may not form a cycle.
* Division by zero gives **no value** (with the reason), never an error or infinity; a
  literal ``/ 0`` is refused when the formula is saved.
* A missing measure value (no source rows, or a measure whose source part does not exist
  yet) makes the value missing, with the reason carried up.

The AST is plain JSON (``{"num": 100}``, ``{"m": "cases.closed"}``, ``{"ref": "SVC-01"}``,
``{"op": "/", "args": [...]}``, ``{"fn": "min", "args": [...]}``) so a stored formula
version can be evaluated without parsing again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lark import Lark, Token, Transformer, UnexpectedInput

from shezhi.indicators import units

GRAMMAR = r"""
?start: sum
?sum: product
    | sum "+" product   -> add
    | sum "-" product   -> sub
?product: unary
    | product "*" unary -> mul
    | product "/" unary -> div
?unary: atom
    | "-" unary         -> neg
?atom: NUMBER           -> number
    | MEASURE           -> measure
    | "#{" CODE "}"     -> ref
    | FUNC "(" sum ("," sum)* ")" -> call
    | "(" sum ")"
FUNC.2: "min" | "max"
MEASURE: /[a-z][a-z0-9_]*(\.[a-z0-9_]+)+/
CODE: /[A-Z][A-Z0-9]*(-[A-Z0-9]+)*/
NUMBER: /\d+(\.\d+)?/
%import common.WS
%ignore WS
"""

_PARSER = Lark(GRAMMAR, parser="lalr", maybe_placeholders=False)
MAX_LENGTH = 500
MAX_NODES = 200

Node = dict[str, Any]


class FormulaError(ValueError):
    """A formula refused, with its reason in Chinese and English."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.code, self.zh, self.en = code, zh, en


class _ToAst(Transformer):
    def number(self, items: list[Token]) -> Node:
        return {"num": float(items[0])}

    def measure(self, items: list[Token]) -> Node:
        return {"m": str(items[0])}

    def ref(self, items: list[Token]) -> Node:
        return {"ref": str(items[0])}

    def _op(self, op: str, items: list[Node]) -> Node:
        return {"op": op, "args": list(items)}

    def add(self, items: list[Node]) -> Node:
        return self._op("+", items)

    def sub(self, items: list[Node]) -> Node:
        return self._op("-", items)

    def mul(self, items: list[Node]) -> Node:
        return self._op("*", items)

    def div(self, items: list[Node]) -> Node:
        return self._op("/", items)

    def neg(self, items: list[Node]) -> Node:
        return {"op": "neg", "args": list(items)}

    def call(self, items: list[Any]) -> Node:
        return {"fn": str(items[0]), "args": list(items[1:])}


def parse(text: str) -> Node:
    """The AST of a formula, or :class:`FormulaError` with the position of the mistake."""
    text = (text or "").strip()
    if not text:
        raise FormulaError("empty", "公式为空", "the formula is empty")
    if len(text) > MAX_LENGTH:
        raise FormulaError("too_long", f"公式超过 {MAX_LENGTH} 个字符", f"over {MAX_LENGTH} characters")
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as exc:
        col = getattr(exc, "column", "?")
        raise FormulaError(
            "syntax", f"公式第 {col} 个字符处有语法错误", f"syntax error at character {col}"
        ) from exc
    ast = _ToAst().transform(tree)
    if sum(1 for _ in walk(ast)) > MAX_NODES:
        raise FormulaError("too_big", "公式过于复杂", "the formula is too complex")
    return ast


def walk(node: Node):
    yield node
    for child in node.get("args", ()):
        yield from walk(child)


def measures_of(ast: Node) -> set[str]:
    return {n["m"] for n in walk(ast) if "m" in n}


def refs_of(ast: Node) -> set[str]:
    return {n["ref"] for n in walk(ast) if "ref" in n}


def render(node: Node) -> str:
    """The formula text of an AST (canonical spacing), for display and storage."""
    if "num" in node:
        v = node["num"]
        return str(int(v)) if float(v).is_integer() else str(v)
    if "m" in node:
        return node["m"]
    if "ref" in node:
        return "#{" + node["ref"] + "}"
    if "fn" in node:
        return f"{node['fn']}({', '.join(render(a) for a in node['args'])})"
    if node["op"] == "neg":
        return f"-{_paren(node['args'][0], 3)}"
    prec = {"+": 1, "-": 1, "*": 2, "/": 2}[node["op"]]
    left, right = node["args"]
    # Left-associative: the right operand of - and / needs brackets at equal precedence.
    rprec = prec + 1 if node["op"] in "-/" else prec
    return f"{_paren(left, prec)} {node['op']} {_paren(right, rprec)}"


def _paren(node: Node, prec: int) -> str:
    own = {"+": 1, "-": 1, "*": 2, "/": 2}.get(node.get("op", ""), 9)
    text = render(node)
    return f"({text})" if own < prec else text


# ----------------------------------------------------------------------------- checking


def dimension(
    ast: Node, measure_dim: Callable[[str], units.Dim], ref_dim: Callable[[str], units.Dim]
) -> units.Dim:
    """The dimension of a formula; :class:`FormulaError` on a unit mismatch or literal ``/ 0``."""
    if "num" in ast:
        return units.DIMENSIONLESS
    if "m" in ast:
        return measure_dim(ast["m"])
    if "ref" in ast:
        return ref_dim(ast["ref"])
    args = [dimension(a, measure_dim, ref_dim) for a in ast["args"]]
    op = ast.get("op") or ast.get("fn")
    if op == "neg":
        return args[0]
    if op in ("+", "-", "min", "max"):
        if any(a != args[0] for a in args):
            shown = "、".join(units.describe(a) for a in args)
            raise FormulaError(
                "unit_mismatch",
                f"单位不一致，不能相加减或比较：{shown}",
                f"unit mismatch: cannot add, subtract or compare {shown}",
            )
        return args[0]
    if op == "/" and ast["args"][1].get("num") == 0:
        raise FormulaError("div_zero", "公式除以常数 0", "the formula divides by the constant 0")
    return units.combine(args[0], args[1], 1 if op == "*" else -1)


# ----------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Missing:
    """No value, and why (a measure without source, division by zero, a missing reference)."""

    zh: str
    en: str


Value = float | Missing


def evaluate(ast: Node, measure: Callable[[str], Value], ref: Callable[[str], Value]) -> Value:
    """The value of a formula; missing inputs and division by zero give :class:`Missing`."""
    if "num" in ast:
        return float(ast["num"])
    if "m" in ast:
        return measure(ast["m"])
    if "ref" in ast:
        return ref(ast["ref"])
    args = [evaluate(a, measure, ref) for a in ast["args"]]
    for a in args:
        if isinstance(a, Missing):
            return a
    op = ast.get("op") or ast.get("fn")
    if op == "neg":
        return -args[0]
    if op == "+":
        return args[0] + args[1]
    if op == "-":
        return args[0] - args[1]
    if op == "*":
        return args[0] * args[1]
    if op == "/":
        if args[1] == 0:
            return Missing("分母为零，无法计算", "the denominator is zero")
        return args[0] / args[1]
    if op == "min":
        return min(args)
    if op == "max":
        return max(args)
    raise FormulaError("bad_ast", "无法识别的公式节点", f"unknown node {op!r}")


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """A cycle in ``code → codes it refers to``, as a path ``[a, b, …, a]``, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def order(graph: Mapping[str, set[str]]) -> list[str]:
    """Codes so that every indicator comes after those it refers to (graph must be acyclic)."""
    done: list[str] = []
    seen: set[str] = set()

    def visit(node: str) -> None:
        if node in seen:
            return
        seen.add(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt)
        done.append(node)

    for start in sorted(graph):
        visit(start)
    return done
