"""Seed the documented default indicator set (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from shezhi.indicators.services import seed_defaults
from shezhi.indicators.workplans import seed_city_2023


class Command(BaseCommand):
    help = "载入默认评价指标集 / load the default indicator set (docs/indicators.md)"

    def handle(self, *args: Any, **options: Any) -> None:
        n = seed_defaults()
        self.stdout.write(f"新增指标 {n} 个 / {n} indicators created")
        m = seed_city_2023()
        self.stdout.write(f"新增 2023 年全市工作目标 {m} 项（种子 003）/ {m} work-plan targets created")
