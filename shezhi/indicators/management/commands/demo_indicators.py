"""Demo: the default catalogue, computations for last year and this year over the demo
district, and a published ranking for each (合成: the demo's source rows are synthetic)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from shezhi.indicators import services, workplans
from shezhi.indicators.defaults import DEFAULT_WEIGHTS
from shezhi.indicators.models import Ranking
from shezhi.places.demo import DEMO_DISTRICT
from shezhi.places.models import Division


class Command(BaseCommand):
    help = "演示：计算演示区两年的指标并发布百强榜单（合成数据）/ demo computations and rankings"

    def handle(self, *args: Any, **options: Any) -> None:
        services.seed_defaults()
        workplans.seed_city_2023()
        self._demo_plan()
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

    def _demo_plan(self) -> None:
        """This year's plan of the demo district: seed 003's programmes scaled to the district's
        share of the city's communities, with synthetic progress entries (合成)."""
        import datetime as dt
        import random
        import struct
        import zlib

        from shezhi.indicators.models import WorkPlanItem

        district = Division.objects.filter(code=DEMO_DISTRICT).first()
        if district is None:
            return
        today = timezone.localdate()
        if WorkPlanItem.objects.filter(area=district, year=today.year).exists():
            return
        share = max(
            district.children.count()
            / max(Division.objects.filter(level="street", code__startswith="5101").count(), 1),
            0.01,
        )
        png = _tiny_png(struct, zlib)
        rng = random.Random(3)
        for code, name, target, unit, owner in workplans.SEED_003:
            item = WorkPlanItem.objects.create(
                area=district,
                year=today.year,
                code=code,
                name=f"{name}（合成）",
                target=max(round(target * share), 1),
                unit=unit,
                owner_unit=owner.replace("市", "区"),
                basis="按种子 003 全市目标折算（合成）",
            )
            for month in range(1, today.month + 1):
                amount = round(item.target * rng.uniform(0.03, 0.15))
                if amount and rng.random() < 0.7:
                    day = dt.date(today.year, month, min(today.day if month == today.month else 28, 28))
                    workplans.progress_add(
                        actor=None,
                        item=item,
                        on=day,
                        amount=amount,
                        evidence=png,
                        evidence_name="合成佐证.png",
                        note="合成进度",
                    )


def _tiny_png(struct, zlib) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )
