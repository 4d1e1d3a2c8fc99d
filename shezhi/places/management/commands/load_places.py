"""Load the bundled real data: Chengdu's division tree and the demo area's places."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from shezhi.common.errors import ImportRejected
from shezhi.places.demo import DEMO_DISTRICT, build_demo_area
from shezhi.places.importers import divisions_import, read_csv_rows
from shezhi.places.management.commands._report import print_report, raise_rejected

BUNDLED_DIVISIONS = Path(__file__).resolve().parents[2] / "data" / "chengdu_admin_divisions_2023.csv"


class Command(BaseCommand):
    help = "载入内置数据：成都市区划树与演示区域 / load Chengdu's division tree and the demo area"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--district",
            default=DEMO_DISTRICT,
            help="生成演示网格的区（12 位代码）/ district to lay out the demo grids in",
        )

    def handle(self, *args: Any, district: str, **options: Any) -> None:
        try:
            report = divisions_import(read_csv_rows(BUNDLED_DIVISIONS))
        except ImportRejected as exc:
            raise_rejected(exc)
        print_report(self, report, dry_run=False)
        demo = build_demo_area(district)
        if demo.grids:
            self.stdout.write(
                self.style.SUCCESS(
                    f"演示区域：{demo.streets} 个街道，{demo.communities} 个社区，{demo.grids} 个网格，"
                    f"{demo.compounds} 个小区，{demo.buildings} 栋楼 / demo area generated"
                )
            )
        else:
            self.stdout.write("演示区域已存在 / demo area already present")
