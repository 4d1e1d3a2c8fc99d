"""A backup restores, and the restored database holds the data (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import sqlite3
import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from shezhi.accounts.models import User
from shezhi.people.models import Resident


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_with_its_data(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "cases").mkdir(parents=True)
    (tmp_path / "media" / "cases" / "photo.jpg").write_bytes(b"\xff\xd8 not really a photo")
    marker = User.objects.create_user(f"restore-{uuid.uuid4().hex[:8]}", password="x")
    if not Resident.objects.exists():  # an earlier transactional test flushed the session's data
        call_command("load_places", stdout=io.StringIO())
        call_command("load_people", households_per_compound=1, stdout=io.StringIO())
    resident = Resident.objects.order_by("pk").first()
    number = resident.id_number

    out = io.StringIO()
    call_command("backup", str(tmp_path / "backups"), stdout=out)
    dump, media = out.getvalue().split()
    assert media.endswith(".tar.gz")
    marker.delete()  # what happens after the backup is not in it

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        restored = tmp_path / "restored.sqlite3"
        call_command("restore", dump, "--database-url", f"sqlite:///{restored}", stdout=io.StringIO())
        db = sqlite3.connect(restored)
        users = [r[0] for r in db.execute("SELECT username FROM accounts_user")]
        row = db.execute("SELECT id_number FROM people_resident WHERE id = ?", [resident.pk]).fetchone()
        db.close()
    else:
        name = f"restore_{uuid.uuid4().hex[:8]}"
        server = {"host": s["HOST"] or "127.0.0.1", "port": s["PORT"] or 5432, "user": s["USER"]}
        admin = psycopg.connect(**server, dbname="postgres", autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
            call_command("restore", dump, "--database-url", url, stdout=io.StringIO())
            with psycopg.connect(**server, dbname=name) as db:
                users = [r[0] for r in db.execute("SELECT username FROM accounts_user")]
                row = db.execute(
                    "SELECT id_number FROM people_resident WHERE id = %s", [resident.pk]
                ).fetchone()
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.close()
    assert marker.username in users
    # The ID number is in the backup only encrypted, and the keys read it back.
    assert row is not None
    assert number not in str(row[0])
    field = Resident._meta.get_field("id_number")
    assert field.from_db_value(row[0], None, connection) == number
