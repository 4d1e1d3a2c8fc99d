"""Import district, street and community boundaries from GeoJSON or a Shapefile."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from shezhi.common.coords import CRS
from shezhi.common.errors import ImportRejected
from shezhi.places.boundaries import boundaries_import, read_boundary_features
from shezhi.places.management.commands._report import print_report, raise_rejected


class Command(BaseCommand):
    help = (
        "导入区、街道、社区边界（GeoJSON 或 Shapefile，按官方区划代码匹配，全部校验通过才写入）/ "
        "import division boundaries (GeoJSON or Shapefile, by official code; all features or none)"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help=".geojson、.shp 或 .zip / .geojson, .shp or .zip")
        parser.add_argument(
            "--crs",
            choices=[c.value for c in CRS],
            default=CRS.WGS84.value,
            help="坐标系 / coordinate system of the file",
        )
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入 / validate only")

    def handle(self, *args: Any, path: str, crs: str, dry_run: bool, **options: Any) -> None:
        try:
            report = boundaries_import(read_boundary_features(path), crs=crs, dry_run=dry_run)
        except ImportRejected as exc:
            raise_rejected(exc)
        print_report(self, report, dry_run=dry_run)
