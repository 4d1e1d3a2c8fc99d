"""Seed the life-circle part: the default standard, OSM facilities, a finished demo evaluation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shezhi.lifecircle.models import AnalysisRun, RunStatus, Walker
from shezhi.lifecircle.services import facilities_import_osm, standard_seed_default
from shezhi.lifecircle.tasks import execute
from shezhi.places.demo import DEMO_DISTRICT
from shezhi.places.models import Division


class Command(BaseCommand):
    help = "载入生活圈配置标准、OSM 设施与演示评估 / load the life-circle standard, facilities, demo run"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-run", action="store_true", help="不计算演示评估 / skip the demo evaluation")
        parser.add_argument(
            "--streets",
            action="store_true",
            help="另为每个街道计算评估，街道账号登录即可见 / also evaluate each street, for street accounts",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        version = standard_seed_default()
        n = version.elements.count()
        self.stdout.write(
            f"配置标准 v{version.number}：{n} 个服务要素 / standard v{version.number}: {n} elements"
        )
        district = Division.objects.filter(code=DEMO_DISTRICT).first()
        if district is None:
            self.stdout.write("未找到演示区县，跳过 / no demo district, skipped (run load_places first)")
            return
        report = facilities_import_osm(within=district.prefix)
        self.stdout.write(
            f"OSM 设施：新增 {report.created}，更新 {report.updated}，区外 {report.outside} / "
            f"OSM facilities: {report.created} created, {report.updated} updated, {report.outside} outside"
        )
        if options["no_run"]:
            return
        current = version.__class__.objects.order_by("-number").first()
        # The adult evaluation and the elderly view (一老一小: slower walk, smaller circles);
        # street runs for street staff, who see runs of their own street only.
        plan = [(district, Walker.ADULT), (district, Walker.ELDERLY)]
        if options["streets"]:
            plan += [(street, Walker.ADULT) for street in district.children.order_by("code")]
        for area, walker in plan:
            done = AnalysisRun.objects.filter(
                area=area, standard=current, walker=walker, status=RunStatus.DONE
            ).exists()
            if done and not (report.created or report.updated):
                self.stdout.write(f"演示评估（{area.name}，{walker.label}）已是最新 / up to date")
                continue
            run = AnalysisRun.objects.create(area=area, standard=current, walker=walker, created_by=None)
            outcome = execute(run.pk)
            run.refresh_from_db()
            self.stdout.write(
                f"演示评估 #{run.pk}（{area.name}，{walker.label}）：{run.get_status_display()}，"
                f"短板 {run.gaps.count()} 条 / demo evaluation #{run.pk} ({walker.value}): {outcome}"
            )
