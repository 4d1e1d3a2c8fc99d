"""Load the default request taxonomy, the demo district's units and routing matrix."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from shezhi.cases.defaults import ensure_categories, ensure_units
from shezhi.places.demo import DEMO_DISTRICT
from shezhi.places.models import Division


class Command(BaseCommand):
    help = "载入默认事项分类、责任单位与派单规则 / load default categories, units and routing matrix"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--district", default=DEMO_DISTRICT, help="区（12 位代码）/ district code")

    def handle(self, *args: Any, district: str, **options: Any) -> None:
        types = ensure_categories()
        division = Division.objects.filter(code=district).first()
        units = ensure_units(division) if division is not None else 0
        self.stdout.write(f"事项分类 {types} 个，新建责任单位 {units} 个 / {types} types, {units} new units")
