"""The count (计票): quorum and majority tests with exact fractions, no database.

``tally`` takes the rule, the frozen roll's totals and the ballots, and returns every test
with its numbers (area and headcount, participating and eligible), so the tally page can
show why a question passed or failed. Arithmetic is exact (:class:`fractions.Fraction`
over areas in hundredths of a square metre): "≥ 2/3" is never decided by a rounding error.

Conventions, stated once:

- *participating* (参与表决) means every roll entry that cast a ballot in this vote, on
  any channel, whatever it chose on each question (an abstention takes part);
- an option is tested on its own: its supporting area and headcount against the threshold of
  the question's matter (一般/特别事项), on the base the rule names (participating or all);
- a question passes only if the quorum is met; an abstain option is never a decision;
- a tie (two or more options with the largest support and none passing) is reported as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

OPS = {"gt": ">", "ge": "≥"}


@dataclass(frozen=True)
class Rule:
    uses_area: bool
    quorum_area: str  # "2/3" or ""
    quorum_heads: str
    ordinary: str
    ordinary_op: str
    ordinary_base: str  # "participating" | "eligible"
    special: str = ""
    special_op: str = ""
    special_base: str = ""


@dataclass(frozen=True)
class QuestionSpec:
    id: int
    text: str
    matter: str  # "ordinary" | "special"
    options: Sequence[tuple[int, str, bool]]  # (id, label, is_abstain)


@dataclass(frozen=True)
class BallotIn:
    area: Decimal
    heads: int
    choices: dict[str, list[int]] = field(default_factory=dict)  # question id (str) -> option ids


def fraction(text: str) -> Fraction | None:
    """``"2/3"`` → Fraction(2, 3); ``""`` → None (no such test)."""
    if not text:
        return None
    num, _, den = text.partition("/")
    value = Fraction(int(num), int(den or 1))
    if not 0 < value <= 1:
        raise ValueError(f"threshold out of range: {text}")
    return value


def _m2(value: Decimal) -> Decimal:
    """Areas in square metres to the hundredth, as the register gives them."""
    return Decimal(value).quantize(Decimal("0.01"))


def _quorum(spec: str) -> tuple[str, str]:
    """A quorum is "at least" (``"2/3"``) unless written strictly (``">1/2"``, 过半数)."""
    return (spec[1:], "gt") if spec.startswith(">") else (spec, "ge")


def _meets(part: Fraction, whole: Fraction, threshold: Fraction, op: str) -> bool:
    if whole == 0:
        return False
    ratio = part / whole
    return ratio > threshold if op == "gt" else ratio >= threshold


def _test(name: str, part: Decimal | int, whole: Decimal | int, threshold: str, op: str) -> dict[str, Any]:
    t = fraction(threshold)
    assert t is not None
    ok = _meets(Fraction(part), Fraction(whole), t, op)
    share = float(Fraction(part) / Fraction(whole)) if whole else 0.0
    return {
        "test": name,
        "value": str(part),
        "of": str(whole),
        "share": round(share, 4),
        "percent": f"{share * 100:.2f}%",
        "op": OPS[op],
        "threshold": threshold,
        "passed": ok,
    }


def tally(
    *,
    rule: Rule,
    eligible_area: Decimal,
    eligible_heads: int,
    questions: Iterable[QuestionSpec],
    ballots: Sequence[BallotIn],
    quorum_heads: str = "",
) -> dict[str, Any]:
    """The full result: totals, quorum tests, and per question each option's tests."""
    eligible_area = _m2(eligible_area)
    part_area = _m2(sum((b.area for b in ballots), Decimal("0")))
    part_heads = sum(b.heads for b in ballots)
    quorum: list[dict[str, Any]] = []
    if rule.uses_area and rule.quorum_area:
        quorum.append(_test("area", part_area, eligible_area, *_quorum(rule.quorum_area)))
    heads_rule = quorum_heads or rule.quorum_heads
    if heads_rule:
        quorum.append(_test("heads", part_heads, eligible_heads, *_quorum(heads_rule)))
    quorum_ok = all(q["passed"] for q in quorum)
    out_questions = []
    for q in questions:
        if q.matter == "special" and rule.special:
            threshold, op, base = rule.special, rule.special_op, rule.special_base
        else:
            threshold, op, base = rule.ordinary, rule.ordinary_op, rule.ordinary_base
        area_whole = part_area if base == "participating" else eligible_area
        heads_whole = part_heads if base == "participating" else eligible_heads
        options = []
        for option_id, label, is_abstain in q.options:
            area = _m2(
                sum((b.area for b in ballots if option_id in b.choices.get(str(q.id), [])), Decimal("0"))
            )
            heads = sum(b.heads for b in ballots if option_id in b.choices.get(str(q.id), []))
            tests = []
            if not is_abstain:
                if rule.uses_area:
                    tests.append(_test("area", area, area_whole, threshold, op))
                tests.append(_test("heads", heads, heads_whole, threshold, op))
            options.append(
                {
                    "id": option_id,
                    "label": label,
                    "abstain": is_abstain,
                    "area": str(area),
                    "heads": heads,
                    "tests": tests,
                    "passed": bool(tests) and quorum_ok and all(t["passed"] for t in tests),
                }
            )
        contenders = [o for o in options if not o["abstain"]]
        top = max((o["heads"] for o in contenders), default=0)
        top_area = max((Decimal(o["area"]) for o in contenders), default=Decimal(0))
        leaders = [o for o in contenders if o["heads"] == top and top > 0]
        area_leaders = [o for o in contenders if Decimal(o["area"]) == top_area and top_area > 0]
        passed = [o["id"] for o in options if o["passed"]]
        tie = not passed and (len(leaders) > 1 or (rule.uses_area and len(area_leaders) > 1))
        out_questions.append(
            {
                "id": q.id,
                "text": q.text,
                "matter": q.matter,
                "threshold": threshold,
                "op": OPS[op],
                "base": base,
                "options": options,
                "decided": passed,
                "tie": tie,
            }
        )
    return {
        "eligible": {"area": str(eligible_area), "heads": eligible_heads},
        "participating": {"area": str(part_area), "heads": part_heads, "ballots": len(ballots)},
        "quorum": quorum,
        "quorum_passed": quorum_ok,
        "questions": out_questions,
    }
