"""Area and role: who sees, edits and reveals which residents."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from shezhi.people import selectors, services
from shezhi.people.models import AccessLog, Resident


def test_grid_worker_sees_only_their_grids_residents(world, residents):
    visible = selectors.resident_list(actor=world.alice)
    assert residents["a"] in visible
    assert residents["b"] not in visible
    assert residents["y"] not in visible
    assert (
        visible.count()
        == Resident.objects.filter(household__grid__path__startswith=world.grid_a.path).count()
    )
    assert visible.count() > 0


def test_grid_worker_gets_404_for_another_grid(world, residents):
    with pytest.raises(Http404):
        selectors.resident_get(actor=world.alice, pk=residents["b"].pk)
    assert selectors.resident_get(actor=world.alice, pk=residents["a"].pk) == residents["a"]


def test_grid_worker_edits_own_grid_only(world, residents):
    mine = services.resident_update(actor=world.alice, resident=residents["a"], note="行动不便")
    mine.refresh_from_db()
    assert mine.note == "行动不便"
    other = residents["b"]
    with pytest.raises(Http404):
        services.resident_update(actor=world.alice, resident=other, note="x")
    other.refresh_from_db()
    assert other.note == ""


def test_grid_worker_cannot_move_a_resident_into_another_grid(world, residents):
    with pytest.raises(Http404):
        services.resident_update(
            actor=world.alice, resident=residents["a"], household=residents["b"].household
        )
    residents["a"].refresh_from_db()
    assert residents["a"].household_id != residents["b"].household_id


def test_street_officer_reads_own_street_but_may_not_edit_or_reveal(world, residents):
    visible = selectors.resident_list(actor=world.sam)
    assert residents["a"] in visible
    assert residents["b"] in visible
    assert residents["y"] not in visible
    with pytest.raises(PermissionDenied):
        services.resident_update(actor=world.sam, resident=residents["a"], note="x")
    with pytest.raises(PermissionDenied):
        services.resident_reveal(
            actor=world.sam, resident=residents["a"], field="id_number", reason="核实身份信息"
        )
    assert not AccessLog.objects.exists()


def test_residents_and_partners_see_no_one(world):
    for user in (world.rita, world.paul):
        with pytest.raises(PermissionDenied):
            selectors.resident_list(actor=user)
        assert not Resident.objects.visible_to(user).exists()


def test_reveal_writes_an_access_log_row(world, residents, time_machine):
    time_machine.move_to("2026-12-01 10:00:00+08:00", tick=False)
    resident = residents["a"]
    value = services.resident_reveal(
        actor=world.alice, resident=resident, field="id_number", reason="办理高龄补贴核实"
    )
    assert value == resident.id_number
    assert len(value) == 18
    row = AccessLog.objects.get()
    assert row.actor == world.alice
    assert row.resident == resident
    assert row.field == "id_number"
    assert row.reason == "办理高龄补贴核实"
    assert row.created_at.isoformat() == "2026-12-01T02:00:00+00:00"
    assert row.division_code == resident.household.community.code


def test_reveal_needs_a_reason(world, residents):
    with pytest.raises(services.InvalidPeopleData) as info:
        services.resident_reveal(actor=world.alice, resident=residents["a"], field="phone", reason=" ")
    assert info.value.problems[0].field == "reason"
    assert not AccessLog.objects.exists()


def test_reveal_of_another_grid_is_404_and_not_logged(world, residents):
    with pytest.raises(Http404):
        services.resident_reveal(
            actor=world.alice, resident=residents["b"], field="phone", reason="核实联系方式"
        )
    assert not AccessLog.objects.exists()


def test_auditor_reads_the_log_others_do_not(world, residents):
    services.resident_reveal(
        actor=world.carol, resident=residents["a"], field="phone", reason="回访满意度调查"
    )
    assert selectors.access_log_list(actor=world.audrey).count() == 1
    assert selectors.access_log_list(actor=world.audrey, filters={"actor": "alice"}).count() == 0
    assert selectors.access_log_list(actor=world.audrey, filters={"field": "phone"}).count() == 1
    for user in (world.alice, world.sam, world.cate):
        with pytest.raises(PermissionDenied):
            selectors.access_log_list(actor=user)
