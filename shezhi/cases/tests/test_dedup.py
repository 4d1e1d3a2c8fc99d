"""Duplicate suggestions (same category, ~50 m, 7 days, similar text), merging; hotspots."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import itertools
import random
from collections import defaultdict
from pathlib import Path

import pytest
from django.utils import timezone

from shezhi.cases import dedup, hotspots
from shezhi.cases.models import Case, Category, Channel
from shezhi.cases.services import Intake, case_intake, case_transition
from shezhi.cases.tests.helpers import inside
from shezhi.cases.workflow import State

REPLIES = Path(__file__).resolve().parents[4] / "shared" / "data" / "hotline_messages_replies_2816.csv.gz"


def _at(world, text: str, dx_m: float = 0.0, code: str = "HB01", days_ago: float = 0.0) -> Case:
    lon, lat = inside(world.grid_a)
    return case_intake(
        intake=Intake(
            channel=Channel.RESIDENT, description=text, category=Category.objects.get(code=code),
            lon=lon + dx_m / 96_000, lat=lat, opened_at=timezone.now() - dt.timedelta(days=days_ago),
        ),
        actor=world.carol,
    )  # fmt: skip


def test_similarity_of_chinese_texts():
    assert dedup.similarity("小区门口路灯不亮", "小区门口路灯不亮。") == 1.0
    assert dedup.similarity("小区门口路灯不亮", "门口的路灯一直不亮") >= 0.25
    assert dedup.similarity("小区门口路灯不亮", "社保卡如何补办") == 0.0
    assert dedup.distance_m(104.0, 30.0, 104.0, 30.001) == pytest.approx(111.2, abs=0.5)


def test_a_nearby_similar_report_is_suggested_and_far_or_different_ones_are_not(world):
    first = _at(world, "晚上工地施工噪音扰民，影响休息")
    near = _at(world, "工地晚上施工噪音太大，影响休息", dx_m=20)
    far = _at(world, "晚上工地施工噪音扰民，影响休息", dx_m=400)
    other_text = _at(world, "楼下烧烤店油烟很大", dx_m=10)
    other_code = _at(world, "晚上工地施工噪音扰民，影响休息", dx_m=5, code="CX03")
    old = _at(world, "晚上工地施工噪音扰民，影响休息", dx_m=5, days_ago=9)
    found = [s.case for s in dedup.suggest(case=near, actor=world.carol)]
    assert found == [first]
    for absent in (far, other_text, other_code, old):
        assert absent not in found
    # Bob, in grid B, sees neither case and gets no suggestion from another grid.
    assert dedup.suggest(case=near, actor=world.bob) == []


def test_merging_points_the_duplicate_at_one_handling(world):
    first = _at(world, "晚上工地施工噪音扰民，影响休息")
    near = _at(world, "工地晚上施工噪音太大，影响休息", dx_m=20)
    merged = case_transition(case=near, action="merge", actor=world.carol, into=first)
    assert merged.state == State.MERGED
    assert merged.merged_into == first
    assert list(first.duplicates.all()) == [merged]
    assert merged.deadline is None
    assert merged.events.filter(kind="merged", actor=world.carol).exists()


def test_hotspots_per_thousand_households_and_the_top_share(world):
    from shezhi.places.models import Compound

    compounds = list(
        Compound.objects.filter(grid__path__startswith=world.grid_a.community.code).order_by("pk")[:3]
    )
    assert len(compounds) == 3
    Case.objects.update(compound=None)  # the world's own cases are not part of this count
    for c, households in zip(compounds, (100, 1000, None), strict=True):
        Compound.objects.filter(pk=c.pk).update(households=households)
    for c, n in zip(compounds, (3, 5, 4), strict=True):
        for i in range(n):
            case_intake(
                intake=Intake(channel=Channel.HOTLINE, description=f"物业问题{i}", compound=c,
                              category=Category.objects.get(code="CX01")),
                actor=world.carol,
            )  # fmt: skip
    start, end = timezone.now() - dt.timedelta(days=1), timezone.now() + dt.timedelta(days=1)
    spots = hotspots.compound_rates(actor=world.carol, start=start, end=end)
    rates = {s.compound.pk: s.per_thousand for s in spots}
    assert rates[compounds[0].pk] == 30.0
    assert rates[compounds[1].pk] == 5.0
    assert rates[compounds[2].pk] is None  # no household count: no rate, never a guess
    assert [s.compound for s in hotspots.top_share(spots)] == [compounds[0]]
    assert hotspots.compound_rates(actor=world.tina, start=start, end=end) == []


@pytest.mark.skipif(
    not REPLIES.exists(), reason=f"{REPLIES} is not here (hotline data ships only in shared/data)"
)
def test_on_real_messages_repeat_posts_are_found_and_random_pairs_are_not():
    with gzip.open(REPLIES, "rt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_title = defaultdict(list)
    for row in rows:
        by_title[row["留言主题"]].append(row["留言详情"])
    same = [dedup.similarity(a, b) for v in by_title.values() for a, b in itertools.combinations(v, 2)]
    rng = random.Random(7)
    pairs = [(rng.choice(rows)["留言详情"], rng.choice(rows)["留言详情"]) for _ in range(2000)]
    noise = [dedup.similarity(a, b) for a, b in pairs if a != b]
    recall = sum(s >= dedup.MIN_SIMILARITY for s in same) / len(same)
    false_rate = sum(s >= dedup.MIN_SIMILARITY for s in noise) / len(noise)
    assert len(same) >= 50
    assert recall >= 0.9
    assert false_rate <= 0.005
