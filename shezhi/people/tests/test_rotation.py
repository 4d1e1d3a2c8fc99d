"""Key rotation: values move to the new key, the old key can then be dropped, lookups keep working."""

import pytest
from django.core.management import call_command
from django.db import connection

from shezhi.common import pii
from shezhi.people import services
from shezhi.people.models import Resident


def _raw(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number FROM {Resident._meta.db_table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_rotation_re_encrypts_everything_under_the_new_key(settings, world, residents):
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    new = pii.generate_key()
    before = _raw(residents["a"].pk)
    settings.FIELD_ENCRYPTION_KEYS = [new, *old]
    assert not pii.is_current(before)
    call_command("rotate_field_keys", verbosity=0)
    after = _raw(residents["a"].pk)
    assert after != before
    assert pii.is_current(after)
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone
    assert Resident.objects.get(pk=residents["a"].pk).id_number == residents["a"].id_number
    assert Resident.history.filter(id=residents["a"].pk).first().id_number == residents["a"].id_number
    history_before = Resident.history.count()
    call_command("rotate_field_keys", verbosity=0)  # nothing left to rotate, no history rows
    assert Resident.history.count() == history_before


def test_without_the_old_key_values_cannot_be_read(settings, residents):
    settings.FIELD_ENCRYPTION_KEYS = [pii.generate_key()]
    with pytest.raises(pii.DecryptionError):
        Resident.objects.get(pk=residents["a"].pk)


def test_reindex_after_a_new_blind_index_key(settings, world, residents):
    settings.BLIND_INDEX_KEY = "a-new-blind-index-key"
    number = residents["a"].id_number
    assert services.resident_lookup(actor=world.alice, number=number, reason="核对户籍信息") == []
    call_command("rotate_field_keys", reindex=True, verbosity=0)
    found = services.resident_lookup(actor=world.alice, number=number, reason="核对户籍信息")
    assert [r.pk for r in found] == [residents["a"].pk]
