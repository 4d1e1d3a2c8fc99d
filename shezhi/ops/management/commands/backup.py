"""A consistent backup of the database (and uploaded files) into a directory.

* SQLite: SQLite's online backup (the ``sqlite3`` shell's ``.backup``), safe while the
  platform runs: ``shezhi-<time>.sqlite3``.
* PostgreSQL: ``pg_dump --format=custom`` (restorable with ``pg_restore``, one table at a time
  if need be): ``shezhi-<time>.dump``.
* Uploaded files (case photos, reports): ``media-<time>.tar.gz``, unless ``--no-media``.

The keys (SECRET_KEY, FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY) are NOT in the backup: keep them
apart (docs/operations.md). Without FIELD_ENCRYPTION_KEYS no ID number or phone can be read.

    manage.py backup /var/backups/shezhi
"""

from __future__ import annotations

import sqlite3
import subprocess
import tarfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from shezhi.ops.dbtools import pg_env


class Command(BaseCommand):
    help = "备份数据库和上传文件 / back up the database and uploaded files"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("destination", type=Path)
        parser.add_argument("--no-media", action="store_true", help="不备份上传文件 / database only")

    def handle(self, *args: Any, destination: Path, no_media: bool, **options: Any) -> None:
        destination.mkdir(parents=True, exist_ok=True)
        destination.chmod(0o700)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        s = connection.settings_dict
        if connection.vendor == "sqlite":
            target = destination / f"shezhi-{stamp}.sqlite3"
            source = sqlite3.connect(s["NAME"])
            copy = sqlite3.connect(target)
            try:
                with copy:
                    source.backup(copy)
            finally:
                copy.close()
                source.close()
        elif connection.vendor == "postgresql":
            target = destination / f"shezhi-{stamp}.dump"
            command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(target)]
            result = subprocess.run(command, env=pg_env(s), capture_output=True, text=True, check=False)
            if result.returncode:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            raise CommandError(f"no backup for {connection.vendor}")
        target.chmod(0o600)
        self.stdout.write(str(target))
        media = Path(settings.MEDIA_ROOT)
        if not no_media and media.exists():
            archive = destination / f"media-{stamp}.tar.gz"
            with tarfile.open(archive, "w:gz") as tar:
                tar.add(media, arcname="media")
            archive.chmod(0o600)
            self.stdout.write(str(archive))
