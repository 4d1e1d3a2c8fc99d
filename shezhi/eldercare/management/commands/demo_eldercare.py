"""Synthetic elderly residents (合成) in the demo communities, enrolled, with a year's history.

Idempotent: a community that already has its synthetic elders is left as it is."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from shezhi.eldercare import demo, publishing, services
from shezhi.eldercare.models import Elder
from shezhi.people.models import Resident
from shezhi.places.models import Division


class Command(BaseCommand):
    help = "生成高龄认证演示数据（合成）/ synthetic eldercare demo data"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--communities", type=int, default=3, help="社区数 / how many demo communities")

    def handle(self, *args: Any, communities: int, **options: Any) -> None:
        now = timezone.now()
        today = timezone.localdate(now)
        chosen = list(
            Division.objects.filter(level="community", compounds__isnull=False)
            .distinct()
            .order_by("code")[:communities]
        )
        made = 0
        for community in chosen:
            residents = demo.ensure_elderly(community, today=today)
            made += len(residents)
            qs = Resident.objects.filter(household__community=community).select_related("household")
            services.eligibility_scan(now=now, residents=qs)
            elders = list(
                Elder.objects.filter(community=community, synthetic=True).select_related("community", "grid")
            )
            if len(elders) < 4 or elders[0].records.count() > 1:
                continue
            a, b, c = elders[0], elders[1], elders[2]
            # A certified at the centre; B certified passively from two independent signals;
            # C already overdue (its due date set back), so the scan suspends it.
            services._certify(a, method="centre", now=now, actor=None)  # noqa: SLF001 - demo history
            Elder.objects.filter(pk=b.pk).update(
                cert_state="reminded", cert_due=today + dt.timedelta(days=10)
            )
            b.refresh_from_db()
            services.signal_record(
                actor=None,
                elder_pk=b.pk,
                kind="visit",
                observed_at=now - dt.timedelta(days=20),
                source="demo:visit",
                ref="demo-visit",
            )
            services.signal_record(
                actor=None,
                elder_pk=b.pk,
                kind="pension",
                observed_at=now - dt.timedelta(days=3),
                source="demo:pension",
                ref="demo-pension",
            )
            Elder.objects.filter(pk=c.pk).update(cert_state="overdue", cert_due=today - dt.timedelta(days=70))
            for e in elders[3:6]:
                Elder.objects.filter(pk=e.pk).update(
                    cert_state="reminded", cert_due=today + dt.timedelta(days=12)
                )
        services.deadline_scan(now=now)
        publishing.publish_year(today.year, trigger="demand")
        self.stdout.write(
            f"高龄认证演示（合成）：{len(chosen)} 个社区，新增 {made} 名老人"
            f" / eldercare demo: {made} synthetic elders"
        )
