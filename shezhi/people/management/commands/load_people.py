"""Load the synthetic residents (合成数据) of the demo area."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from shezhi.people.demo import SEED, build_demo_people


class Command(BaseCommand):
    help = "生成演示区域的合成居民数据 / generate the demo area's synthetic residents"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--households-per-compound",
            type=int,
            default=30,
            help="每个小区最多生成的户数 / households per compound",
        )
        parser.add_argument("--seed", type=int, default=SEED)

    def handle(self, *args: Any, households_per_compound: int, seed: int, **options: Any) -> None:
        report = build_demo_people(households_per_compound=households_per_compound, seed=seed)
        if report.residents:
            self.stdout.write(
                self.style.SUCCESS(
                    f"合成数据：{report.households} 户，{report.residents} 名居民，"
                    f"{report.organisations} 个单位，{report.facilities} 个设施 / synthetic people generated"
                )
            )
        else:
            self.stdout.write("合成居民数据已存在 / synthetic people already present")
