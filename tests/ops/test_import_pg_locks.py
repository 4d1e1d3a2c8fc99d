"""On PostgreSQL an import confirm takes no table lock that holds other writers for a second."""

from __future__ import annotations

import io
import threading
import time

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, connections

from shezhi.accounts.models import User
from shezhi.people.importers import resident_import_confirm, resident_import_preview
from shezhi.people.models import Household, ImportStatus, Resident
from shezhi.places.models import Grid
from tests.ops.test_import_load import _file


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_other_writers_get_in_within_a_second_during_an_import(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's table locks (SQLite: tests/ops/test_import_load.py)")
    if not Grid.objects.exists() or not Resident.objects.exists():
        call_command("load_places", stdout=io.StringIO())
        call_command("load_people", households_per_compound=1, stdout=io.StringIO())
    settings.VAR_DIR = tmp_path
    importer = User.objects.create_superuser("locks-importer", password="x")
    batch = resident_import_preview(actor=importer, upload=_file(8000), filename="locks.csv")
    resident, household = Resident.objects.order_by("pk").first(), Household.objects.order_by("pk").first()
    outcome: dict[str, object] = {}

    def confirm() -> None:
        try:
            outcome["batch"] = resident_import_confirm(actor=importer, batch=batch)
        finally:
            connections.close_all()

    s = connection.settings_dict
    other = psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"],
        dbname=s["NAME"],
        autocommit=True,
    )
    other.execute("SET lock_timeout = '1s'")
    importing = threading.Thread(target=confirm)
    importing.start()
    writes = 0
    try:
        while importing.is_alive():
            # Would fail with "canceling statement due to lock timeout" behind a table lock.
            other.execute("UPDATE people_resident SET note = note WHERE id = %s", [resident.pk])
            other.execute("UPDATE people_household SET room = room WHERE id = %s", [household.pk])
            other.execute("SELECT count(*) FROM people_historicalresident")
            writes += 1
            time.sleep(0.05)
    finally:
        importing.join()
        other.close()
    assert outcome["batch"].status == ImportStatus.APPLIED
    assert writes > 0
