"""Work plans (年度工作目标): yearly targets by area and programme, progress entries with
evidence, completion, late items and a burn-up series per programme.

Seeded with the city's 2023 targets of seed 003 (全市党建引领城乡社区发展治理工作要点).
An item is **late** when its completion rate is below the share of its year that has
elapsed (a year in the past counts as fully elapsed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.utils import timezone

from shezhi.accounts.models import User
from shezhi.common.errors import AppError, Problem
from shezhi.indicators.models import ProgressEntry, WorkPlanItem
from shezhi.indicators.services import evidence_type
from shezhi.places.models import Division

#: Seed 003, 2023 city targets: (code, name, target, unit, owner unit).
SEED_003 = [
    ("MICRO-RENEWAL", "社区微更新项目", 345, "个", "市社治委、市住建局"),
    ("GOLD-CORNER", "“金角银边”点位", 200, "个", "市公园城市局"),
    ("BEAUTY-SPACE", "社区美空间", 50, "个", "市社治委"),
    ("OLD-COMPOUND", "老旧院落改造", 616, "个", "市住建局"),
    ("LIFT", "既有住宅自主增设电梯", 1500, "台", "市住建局"),
    ("MODEL-COMPOUND", "新建示范小区", 200, "个", "市社治委"),
    ("SMART-COMMUNITY", "新建智慧社区", 46, "个", "市社治委、市网络理政办"),
    ("SMART-COMPOUND", "新建智慧小区", 46, "个", "市社治委、市网络理政办"),
]
SEED_BASIS = "种子 003：2023 年全市党建引领城乡社区发展治理工作要点"


def seed_city_2023() -> int:
    city = Division.objects.filter(code="510100000000").first()
    if city is None:
        return 0
    made = 0
    for code, name, target, unit, owner in SEED_003:
        _item, new = WorkPlanItem.objects.get_or_create(
            area=city,
            year=2023,
            code=code,
            defaults={"name": name, "target": target, "unit": unit, "owner_unit": owner, "basis": SEED_BASIS},
        )
        made += new
    return made


def progress_add(
    *,
    actor: User,
    item: WorkPlanItem,
    on: dt.date,
    amount: float,
    evidence: bytes | None,
    evidence_name: str,
    note: str = "",
) -> ProgressEntry:
    problems = []
    if not (amount > 0 and amount <= item.target * 10):
        problems.append(
            Problem("amount", "完成数量须为正数且合理", "the amount must be positive and plausible", "amount")
        )
    if on.year != item.year or on > timezone.localdate():
        problems.append(
            Problem(
                "on",
                "完成日期须在计划年度内且不晚于今天",
                "the date must be in the plan's year and not in the future",
                "on",
            )
        )
    kind = evidence_type(evidence, problems)
    if problems:
        raise AppError.from_problems(problems)
    return ProgressEntry.objects.create(
        item=item,
        on=on,
        amount=amount,
        note=note[:300],
        evidence_name=(evidence_name or "evidence")[:120],
        evidence_type=kind,
        evidence_sha256=hashlib.sha256(evidence).hexdigest(),
        evidence=evidence,
        created_by=actor,
    )


@dataclass
class Progress:
    item: WorkPlanItem
    done: float
    rate: float
    expected: float  # share of the year elapsed
    late: bool
    burnup: list[tuple[str, float]]  # (YYYY-MM, cumulative amount) for each month so far


def progress_of(item: WorkPlanItem, today: dt.date | None = None) -> Progress:
    today = today or timezone.localdate()
    start, end = dt.date(item.year, 1, 1), dt.date(item.year, 12, 31)
    elapsed = (
        1.0 if today > end else 0.0 if today < start else (today - start).days / ((end - start).days + 1)
    )
    entries = list(item.entries.values_list("on", "amount"))
    done = float(sum(a for _d, a in entries))
    last_month = 12 if today > end else today.month if today.year == item.year else 0
    burnup, total = [], 0.0
    for month in range(1, last_month + 1):
        total = float(sum(a for d, a in entries if d.month <= month))
        burnup.append((f"{item.year}-{month:02d}", total))
    rate = done / item.target if item.target else 0.0
    return Progress(item, done, round(rate, 4), round(elapsed, 4), rate < elapsed, burnup)
