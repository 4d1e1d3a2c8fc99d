"""Restore a backup made by ``manage.py backup`` into the database (docs/operations.md).

Stop the web, worker and clock first. SQLite: the file replaces the database's contents
(SQLite's backup API, page by page). PostgreSQL: ``pg_restore --clean --if-exists`` into the
database (create it first on a new server). ``--database-url`` restores elsewhere instead,
e.g. into a scratch database to check a backup without touching the live one.

    manage.py restore /var/backups/shezhi/shezhi-20261208T010000Z.dump
"""

from __future__ import annotations

import sqlite3
import subprocess
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from shezhi.ops.dbtools import pg_env


class Command(BaseCommand):
    help = "从备份恢复数据库 / restore the database from a backup"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("backup", type=Path)
        parser.add_argument("--database-url", help="恢复到另一个数据库 / restore into this database instead")

    def handle(self, *args: Any, backup: Path, database_url: str | None, **options: Any) -> None:
        if not backup.exists():
            raise CommandError(f"no such backup: {backup}")
        target = dj_database_url.parse(database_url) if database_url else connection.settings_dict
        engine = target["ENGINE"]
        if engine.endswith("sqlite3"):
            if backup.suffix != ".sqlite3":
                raise CommandError("a SQLite database restores from a .sqlite3 backup")
            connection.close()
            source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
            dest = sqlite3.connect(target["NAME"])
            try:
                with dest:
                    source.backup(dest)
                dest.execute("PRAGMA journal_mode=WAL")
            finally:
                dest.close()
                source.close()
        elif "postgresql" in engine:
            if backup.suffix != ".dump":
                raise CommandError("a PostgreSQL database restores from a .dump backup (pg_dump -Fc)")
            command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error"]
            command += ["--dbname", str(target["NAME"]), str(backup)]
            result = subprocess.run(command, env=pg_env(target), capture_output=True, text=True, check=False)
            if result.returncode:
                raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        else:
            raise CommandError(f"no restore for {engine}")
        self.stdout.write(f"restored {backup} → {target['NAME']}")
