"""Import grid boundaries from a GeoJSON FeatureCollection."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from shezhi.common.coords import CRS
from shezhi.common.errors import ImportRejected
from shezhi.places.importers import grids_import, read_geojson_features
from shezhi.places.management.commands._report import print_report, raise_rejected


class Command(BaseCommand):
    help = "导入网格边界 GeoJSON（全部校验通过才写入）/ import grid GeoJSON (all features or none)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path")
        parser.add_argument(
            "--crs",
            choices=[c.value for c in CRS],
            default=CRS.WGS84.value,
            help="坐标系 / coordinate system of the file",
        )
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入 / validate only")

    def handle(self, *args: Any, path: str, crs: str, dry_run: bool, **options: Any) -> None:
        try:
            report = grids_import(read_geojson_features(path), crs=crs, dry_run=dry_run)
        except ImportRejected as exc:
            raise_rejected(exc)
        print_report(self, report, dry_run=dry_run)
