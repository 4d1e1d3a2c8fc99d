"""The vote rules on hand-checkable tallies (no database).

A compound of 10 units: A, B, C of 200 m² and D–J of 50 m² (950 m² in all, 10 owners).
"""

from decimal import Decimal

from shezhi.participation.rulesets import RULE_SETS
from shezhi.participation.tally import BallotIn, QuestionSpec, Rule, tally

AREAS = {"A": 200, "B": 200, "C": 200, **dict.fromkeys("DEFGHIJ", 50)}
YES, NO, ABSTAIN = 1, 2, 3
Q_ORDINARY = QuestionSpec(
    id=10,
    text="续聘物业",
    matter="ordinary",
    options=[(1, "同意", False), (2, "反对", False), (3, "弃权", True)],
)
Q_SPECIAL = QuestionSpec(
    id=20,
    text="使用维修资金",
    matter="special",
    options=[(4, "同意", False), (5, "反对", False), (6, "弃权", True)],
)


def rule(code):
    spec = next(r for r in RULE_SETS if r["code"] == code)
    fields = Rule.__dataclass_fields__
    return Rule(**{k: spec.get(k, "") for k in fields})


ART_278 = rule("civil-code-278")
ART_76 = rule("property-law-76")


def ballots(**choices):
    """``A=(1, 4)`` → unit A chose option 1 on the ordinary and 4 on the special question."""
    return [
        BallotIn(area=Decimal(AREAS[u]), heads=1, choices={"10": [c[0]], "20": [c[1]]})
        for u, c in choices.items()
    ]


def count(rule, cast, **kw):
    return tally(
        rule=rule,
        eligible_area=Decimal(950),
        eligible_heads=10,
        questions=[Q_ORDINARY, Q_SPECIAL],
        ballots=cast,
        **kw,
    )


def option(result, qid, oid):
    q = next(q for q in result["questions"] if q["id"] == qid)
    return next(o for o in q["options"] if o["id"] == oid)


def test_seven_small_units_meet_the_headcount_quorum_but_not_the_area_quorum():
    result = count(ART_278, ballots(**dict.fromkeys("DEFGHIJ", (YES, 4))))
    area, heads = result["quorum"]
    assert (area["test"], area["value"], area["of"], area["passed"]) == ("area", "350.00", "950.00", False)
    assert (heads["test"], heads["value"], heads["of"], heads["passed"]) == ("heads", "7", "10", True)
    assert result["quorum_passed"] is False
    # Unanimous among participants, still no decision: the quorum failed.
    assert option(result, 10, YES)["tests"][0]["passed"] is True
    assert option(result, 10, YES)["passed"] is False
    assert result["questions"][0]["decided"] == []


def test_an_ordinary_matter_passes_where_an_item_6_to_8_fails_by_area():
    # All ten take part. Ordinary: A, D–J yes = 550 m² of 950 (> 1/2), 8 of 10 (> 1/2).
    # Special (3/4): the same 8 yes = 550/950 = 57.9 % of area (< 3/4) though 8/10 ≥ 3/4 by headcount.
    cast = ballots(A=(YES, 4), B=(NO, 5), C=(NO, 5), **dict.fromkeys("DEFGHIJ", (YES, 4)))
    result = count(ART_278, cast)
    assert result["quorum_passed"] is True
    assert result["participating"] == {"area": "950.00", "heads": 10, "ballots": 10}
    ordinary = option(result, 10, YES)
    assert [(t["value"], t["of"], t["passed"]) for t in ordinary["tests"]] == [
        ("550.00", "950.00", True),
        ("8", "10", True),
    ]
    assert result["questions"][0]["decided"] == [YES]
    special = option(result, 20, 4)
    assert [(t["value"], t["op"], t["threshold"], t["passed"]) for t in special["tests"]] == [
        ("550.00", "≥", "3/4", False),
        ("8", "≥", "3/4", True),
    ]
    assert result["questions"][1]["decided"] == []


def test_exactly_three_quarters_passes_a_special_item_but_exactly_half_fails_an_ordinary_one():
    # 8 units of 50 m² and 2 of 100 m² = 600 m²: 6 small yes = 300 m² = exactly 1/2 → not "> 1/2".
    cast = [BallotIn(area=Decimal(50), heads=1, choices={"10": [YES], "20": [4]}) for _ in range(6)]
    cast += [BallotIn(area=Decimal(50), heads=1, choices={"10": [NO], "20": [4]}) for _ in range(2)]
    cast += [BallotIn(area=Decimal(100), heads=1, choices={"10": [NO], "20": [5]}) for _ in range(2)]
    result = tally(
        rule=ART_278,
        eligible_area=Decimal(600),
        eligible_heads=10,
        questions=[Q_ORDINARY, Q_SPECIAL],
        ballots=cast,
    )
    assert option(result, 10, YES)["tests"][0]["passed"] is False  # 300/600 is not more than half
    special = option(result, 20, 4)["tests"]
    assert (special[0]["value"], special[0]["passed"]) == ("400.00", False)  # 400/600 < 3/4
    assert (special[1]["value"], special[1]["passed"]) == ("8", True)  # 8/10 ≥ 3/4


def test_a_tie_decides_nothing_and_says_so():
    cast = ballots(A=(YES, 4), B=(YES, 4), D=(YES, 4), E=(YES, 4), F=(YES, 4),
                   C=(NO, 5), G=(NO, 5), H=(NO, 5), I=(NO, 5), J=(NO, 5))  # fmt: skip
    result = count(ART_278, cast)
    q = result["questions"][0]
    assert (option(result, 10, YES)["heads"], option(result, 10, NO)["heads"]) == (5, 5)
    assert q["decided"] == []
    assert q["tie"] is True


def test_abstentions_take_part_and_count_against():
    cast = ballots(A=(ABSTAIN, 6), B=(ABSTAIN, 6), C=(YES, 4), **dict.fromkeys("DEFGH", (YES, 4)))
    result = count(ART_278, cast)
    # 8 took part (≥ 2/3 of 10, 850 m² ≥ 2/3 of 950); 6 of 8 said yes on 450 of 850 m².
    assert result["quorum_passed"] is True
    yes = option(result, 10, YES)
    assert [(t["value"], t["of"]) for t in yes["tests"]] == [("450.00", "850.00"), ("6", "8")]
    assert option(result, 10, ABSTAIN)["tests"] == []
    assert option(result, 10, ABSTAIN)["passed"] is False


def test_the_old_property_law_counts_against_all_owners_not_the_participants():
    # 6 units yes on 450 m²: by Art. 278 a clear majority of the 7 participants; by Art. 76
    # 450 of 950 m² is not more than half of all area.
    cast = ballots(C=(YES, 4), **dict.fromkeys("DEFGH", (YES, 4)), I=(NO, 5))
    new, old = count(ART_278, cast), count(ART_76, cast)
    assert old["quorum"] == []
    assert [(t["value"], t["of"], t["passed"]) for t in option(old, 10, YES)["tests"]] == [
        ("450.00", "950.00", False),
        ("6", "10", True),
    ]
    assert new["quorum_passed"] is False  # 500 m² of 950 is under 2/3


def test_a_residents_meeting_needs_more_than_half_of_households_present():
    meeting = rule("residents-meeting")
    q = QuestionSpec(
        id=1, text="加装电梯", matter="ordinary", options=[(1, "同意", False), (2, "反对", False)]
    )
    five = [BallotIn(area=Decimal(0), heads=1, choices={"1": [1]}) for _ in range(5)]
    result = tally(rule=meeting, eligible_area=Decimal(0), eligible_heads=10, questions=[q], ballots=five)
    assert result["quorum"][0]["op"] == ">"
    assert result["quorum_passed"] is False
    # 6 of 10 present (过半数), 3 yes and 3 no: a tie, nothing passes.
    even = [BallotIn(area=Decimal(0), heads=1, choices={"1": [v]}) for v in (1, 1, 1, 2, 2, 2)]
    result = tally(rule=meeting, eligible_area=Decimal(0), eligible_heads=10, questions=[q], ballots=even)
    assert result["quorum_passed"] is True
    assert result["questions"][0]["tie"] is True
    assert all(len(o["tests"]) == 1 for o in result["questions"][0]["options"])  # headcount only
    # A council whose rules set the quorum at "at least half": the same five now decide.
    result = tally(
        rule=meeting,
        eligible_area=Decimal(0),
        eligible_heads=10,
        questions=[q],
        ballots=five,
        quorum_heads="1/2",
    )
    assert result["quorum_passed"] is True
    assert result["questions"][0]["decided"] == [1]
