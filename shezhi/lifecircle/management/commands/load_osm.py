"""``manage.py load_osm FILE.osm.pbf [--clip-to CODE]``: load any OSM extract into the platform."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shezhi.common.errors import AppError
from shezhi.lifecircle.extracts import load_extract


def describe(changes: dict[str, Any]) -> list[str]:
    lines = []
    for kind, label in (("compounds", "小区"), ("buildings", "楼栋"), ("facilities", "设施")):
        d = changes.get(kind, {})
        lines.append(
            f"{label} / {kind}: 新增 {d.get('created', 0)}，更新 {d.get('updated', 0)}，"
            f"未变 {d.get('unchanged', 0)}，移除 {d.get('removed', 0)} / created {d.get('created', 0)}, "
            f"updated {d.get('updated', 0)}, unchanged {d.get('unchanged', 0)}, removed {d.get('removed', 0)}"
        )
        for what, names in d.get("examples", {}).items():
            lines.append(f"    {what}: {'、'.join(names)}")
    return lines


class Command(BaseCommand):
    help = (
        "载入 OSM 数据（步行路网、小区、楼栋、服务设施），可裁剪到区划 / "
        "load an OSM extract (network, compounds, buildings, facilities), optionally clipped"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("pbf", help="OSM PBF 文件 / .osm.pbf file")
        parser.add_argument(
            "--clip-to",
            default=None,
            help="只载入该区划（12 位代码）范围内的小区与设施 / clip places to this division",
        )
        parser.add_argument("--name", default="", help="数据名称 / a name for the extract")

    def handle(self, *args: Any, pbf: str, clip_to: str | None, name: str, **options: Any) -> None:
        def progress(pct: int, stage: str) -> None:
            self.stdout.write(f"  {pct:3d}% {stage}")

        try:
            report = load_extract(pbf, name=name, clip_to=clip_to, progress=progress)
        except AppError as exc:
            raise CommandError(
                f"{exc.message_zh} / {exc.message_en}；未做任何更改 / nothing changed"
            ) from exc
        extract = report.extract
        counts = extract.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"OSM 数据 #{extract.pk}（{extract.name}）已设为当前 / is now current: "
                f"路网 {counts['nodes']} 节点 {counts['edges']} 边 / network {counts['nodes']} nodes "
                f"{counts['edges']} edges ({'parsed' if report.network_parsed else 'cached'}), "
                f"小区 {counts['compounds']} / compounds, 楼栋 {counts['buildings']} / buildings, "
                f"设施 {counts['facilities']} / facilities, 户数（估算）{counts['households']} / "
                f"households (estimated)"
            )
        )
        if counts.get("generated_boundaries"):
            self.stdout.write(
                f"生成（示意）边界 {counts['generated_boundaries']} 个 / approximate boundaries generated"
            )
        for line in describe(extract.changes):
            self.stdout.write(line)
        self.stdout.write("用时 / timings: " + ", ".join(f"{k} {v:.2f}" for k, v in report.timings.items()))
