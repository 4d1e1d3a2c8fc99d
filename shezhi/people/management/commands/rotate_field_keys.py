"""Re-encrypt personal data under the current field key (the first of FIELD_ENCRYPTION_KEYS)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from shezhi.common.pii import encrypted_columns, rotate_column
from shezhi.people.services import blind_index_rebuild


class Command(BaseCommand):
    help = (
        "用当前密钥重新加密全部个人信息字段 / re-encrypt every encrypted column under the current key. "
        "Put the new key first in FIELD_ENCRYPTION_KEYS, keep the old ones after it, run this, then drop "
        "the old keys. --reindex rebuilds the blind indexes after BLIND_INDEX_KEY changed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--reindex", action="store_true", help="重建盲索引 / rebuild the blind indexes")

    def handle(self, *args: Any, reindex: bool, **options: Any) -> None:
        for model, column in encrypted_columns():
            seen, rotated = rotate_column(model, column)
            self.stdout.write(
                f"{model._meta.label}.{column}: {seen} 个值，重新加密 {rotated} / rotated {rotated}"
            )
        if reindex:
            n = blind_index_rebuild()
            self.stdout.write(f"盲索引已重建 {n} 行 / blind indexes rebuilt for {n} rows")
        self.stdout.write(self.style.SUCCESS("完成 / done"))
