"""Generate the reproducible synthetic demo cases (labelled 【合成】) over the demo grids."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from shezhi.cases.demo import SEED, build_demo_cases, ensure_account_work


class Command(BaseCommand):
    help = "生成演示用合成诉求（可复现）/ generate the synthetic demo cases (seeded)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--count", type=int, default=120)
        parser.add_argument("--seed", type=int, default=SEED)

    def handle(self, *args: Any, count: int, seed: int, **options: Any) -> None:
        made = build_demo_cases(count=count, seed=seed)
        if made:
            self.stdout.write(f"合成演示诉求 {made} 件 / {made} synthetic demo cases")
        else:
            self.stdout.write("合成演示诉求已存在 / synthetic demo cases already present")
        work = ensure_account_work(seed=seed)
        self.stdout.write(f"各演示账号的待办诉求 {work} 件 / {work} to-do cases for the demo accounts")
