"""At rest: no ID number or phone in plain text; history with who changed it."""

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from shezhi.people import services
from shezhi.people.models import Household, Organisation, Resident

VALID_ID = "11010519491231002X"


def _raw_rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names of our models
        return cursor.fetchall()


def test_no_id_number_or_phone_is_stored_in_plain_text(world, residents):
    resident = services.resident_update(
        actor=world.alice, resident=residents["a"], id_number=VALID_ID, phone="13912345678"
    )
    secrets = {VALID_ID, "13912345678", "5678", "002X"}
    secrets |= {r.id_number for r in Resident.objects.all()[:200]}
    secrets |= {r.phone for r in Resident.objects.exclude(phone_index="")[:200]}
    secrets |= {o.contact_phone for o in Organisation.objects.all()}
    secrets.discard("")
    tables = [Resident._meta.db_table, Resident.history.model._meta.db_table, Organisation._meta.db_table]
    tables += [Organisation.history.model._meta.db_table]
    scanned = 0
    for table in tables:
        for row in _raw_rows(table):
            text = "\x1f".join(str(v) for v in row)
            # short fragments like "5678" may occur by chance inside base64; full values may not
            assert not any(s in text for s in secrets if len(s) >= 11), (table, row[0])
            scanned += 1
    assert scanned > 100
    resident.refresh_from_db()
    assert resident.id_number == VALID_ID  # and yet it reads back


def test_lookup_on_encrypted_columns_is_refused():
    with pytest.raises(FieldError):
        list(Resident.objects.filter(id_number=VALID_ID))


def test_history_records_who_changed_what(world, residents):
    resident = residents["a"]
    services.resident_update(actor=world.alice, resident=resident, tags=["独居老人", "党员"])
    latest = resident.history.latest()
    assert latest.history_user == world.alice
    assert latest.history_type == "~"
    assert "party_member" in latest.tags
    previous = latest.prev_record
    assert previous is not None
    assert {c.field for c in latest.diff_against(previous).changes} >= {"tags"}


def test_household_history_and_derived_area(world):
    from shezhi.places.models import Compound

    compound = Compound.objects.filter(grid__path__startswith=world.grid_a.path).first()
    household = services.household_create(
        actor=world.alice, compound=compound, building="9栋", unit="1单元", room="1201"
    )
    assert household.grid_id == compound.grid_id
    assert household.community_id == compound.community_id
    assert Household.history.filter(id=household.pk).get().history_user == world.alice


def test_invalid_input_names_every_field(world, residents):
    household = residents["a"].household
    with pytest.raises(services.InvalidPeopleData) as info:
        services.resident_create(
            actor=world.alice,
            household=household,
            name="",
            id_number="110105194912310021",
            phone="12345",
            tags="神仙",
        )
    assert {p.field for p in info.value.problems} == {"name", "id_number", "phone", "tags"}
    assert all(p.zh and p.en for p in info.value.problems)


def test_duplicate_id_number_is_refused(world, residents):
    with pytest.raises(services.InvalidPeopleData) as info:
        services.resident_create(
            actor=world.alice,
            household=residents["a"].household,
            name="王小明",
            id_number=residents["a"].id_number,
        )
    assert info.value.problems[0].code == "duplicate_id"
