"""Seed the life-circle part: the default configuration standard (version 1)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shezhi.lifecircle.services import standard_seed_default


class Command(BaseCommand):
    help = "载入一刻钟生活圈默认配置标准 / load the default life-circle standard"

    def handle(self, *args: Any, **options: Any) -> None:
        version = standard_seed_default()
        self.stdout.write(
            f"配置标准 v{version.number}：{version.elements.count()} 个服务要素 / "
            f"standard v{version.number}: {version.elements.count()} service elements"
        )
