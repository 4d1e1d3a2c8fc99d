"""Demo: the default catalogue, computations for last year and this year over the demo
district, and a published ranking for each (合成: the demo's source rows are synthetic)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from shezhi.indicators import services
from shezhi.indicators.defaults import DEFAULT_WEIGHTS
from shezhi.indicators.models import Ranking
from shezhi.places.demo import DEMO_DISTRICT
from shezhi.places.models import Division


class Command(BaseCommand):
    help = "演示：计算演示区两年的指标并发布百强榜单（合成数据）/ demo computations and rankings"

    def handle(self, *args: Any, **options: Any) -> None:
        services.seed_defaults()
        district = Division.objects.filter(code=DEMO_DISTRICT).first()
        if district is None:
            self.stdout.write("未找到演示区县 / no demo district (run load_places first)")
            return
        year = timezone.localdate().year
        for period in (str(year - 1), str(year)):
            if Ranking.objects.filter(
                name="百强榜单（演示，合成）", period=period, published_at__isnull=False
            ).exists():
                self.stdout.write(f"{period} 已有发布的榜单 / already published")
                continue
            run = services.run_execute(services.run_start(area=district, period=period, actor=None).pk)
            # Indicators without any value in this run (no source rows yet) are left out and
            # the remaining weights rescaled to sum to 1; the page lists the published weights.
            have = set(
                run.values.filter(value__isnull=False, indicator__code__in=list(DEFAULT_WEIGHTS))
                .values_list("indicator__code", flat=True)
                .distinct()
            )
            total = sum(w for c, w in DEFAULT_WEIGHTS.items() if c in have)
            weights = {c: w / total for c, w in DEFAULT_WEIGHTS.items() if c in have}
            ranking = services.ranking_create(
                name="百强榜单（演示，合成）",
                area=district,
                run=run,
                weights=weights,
                normalisation="minmax",
                aggregation="arithmetic",
                actor=None,
            )
            services.ranking_publish(ranking, None)
            self.stdout.write(
                f"{period}：{run.values_count} 个指标值，{run.seconds}s；"
                f"榜单 v{ranking.version} 已发布 / published"
            )
