"""A confirm commits chunk by chunk, yet stays all or nothing: undo on failure or on a dead process."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shezhi.common import leases
from shezhi.people import importers
from shezhi.people.importers import resident_import_confirm, resident_import_preview
from shezhi.people.models import Household, ImportBatch, ImportStatus, Resident
from shezhi.people.tests.test_import import _csv, _rows, _uploads_in_tmp, names  # noqa: F401 - fixtures


def _contents():
    return (
        Resident.objects.count(),
        Household.objects.count(),
        sorted(Resident.objects.values_list("id", "name", "phone_index", "household_id", "tags")),
        sorted(Household.objects.values_list("id", "status")),
    )


def _batch(world, residents, names):  # noqa: F811
    rows = _rows(names, residents)
    # The update of an existing resident first, so it lands in the chunk that commits.
    rows = [rows[0], rows[4], rows[1], rows[2], rows[3]]
    return resident_import_preview(actor=world.alice, upload=_csv(rows), filename="people.csv")


@pytest.fixture
def two_chunks(monkeypatch):
    """Chunks of two rows while confirming; the second one fails (the disk is full)."""
    monkeypatch.setattr(importers, "CHUNK", 2)
    calls = {"n": 0}
    real = importers._Importer._chunk_apply

    def second_fails(self, rows):
        if self.write:
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError(28, "No space left on device")
        return real(self, rows)

    monkeypatch.setattr(importers._Importer, "_chunk_apply", second_fails)
    return calls


def test_a_failing_chunk_undoes_the_chunks_already_committed(world, residents, names, two_chunks):  # noqa: F811
    batch = _batch(world, residents, names)
    before = _contents()
    with pytest.raises(OSError, match="No space left"):
        resident_import_confirm(actor=world.alice, batch=batch)
    assert two_chunks["n"] == 2
    assert _contents() == before
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "No space left on device" in batch.failure
    assert "已撤销" in batch.failure
    # The change and its undo both stay in the history, by the importer.
    a = Resident.objects.get(pk=residents["a"].pk)
    reasons = list(a.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons[-2:] == [f"import:{batch.pk}", f"import:{batch.pk}:undo"]


def test_a_confirm_whose_process_died_is_undone_when_its_lease_expires(
    world,
    residents,
    names,  # noqa: F811
    two_chunks,
    monkeypatch,
):
    batch = _batch(world, residents, names)
    before = _contents()
    # The process dies after the first chunk: nothing runs the undo then.
    real_undo = importers.import_batch_undo
    monkeypatch.setattr(importers, "import_batch_undo", lambda batch, reason: 0)
    with pytest.raises(OSError, match="No space left"):
        resident_import_confirm(actor=world.alice, batch=batch)
    monkeypatch.setattr(importers, "import_batch_undo", real_undo)
    assert _contents() != before  # the first chunk is in
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLYING
    ImportBatch.objects.filter(pk=batch.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert leases.stuck() == {"people_imports": 1}
    assert leases.reap()["people_imports"] == 1
    assert _contents() == before
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "租约过期" in batch.failure
