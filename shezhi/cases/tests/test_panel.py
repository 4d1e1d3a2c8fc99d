"""The case page's action panel: grouped, only what is valid, the matrix's unit preselected."""

from __future__ import annotations

import re

from django.test import Client

from shezhi.cases.models import AssignmentRole, Case, Unit
from shezhi.cases.panel import action_groups
from shezhi.cases.routing import rule_for
from shezhi.cases.services import case_transition
from shezhi.cases.tests.helpers import report


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _returned(world, code="CX02") -> Case:
    case = report(world.alice, world.grid_a, code=code, text="路灯不亮", attributes={"facility": "lamp"})
    return case_transition(case=case, action="return", actor=world.alice, note="不归本社区")


def test_the_dispatch_list_preselects_the_matrix_unit_and_says_why(world):
    case = _returned(world)
    rule = rule_for(case.category, case.division)
    assert rule is not None
    page = _client(world.sam).get(f"/cases/{case.code}/").content.decode()
    select = re.search(r'<select name="unit"[^>]*data-testid="unit-dispatch">(.*?)</select>', page, re.S)
    assert select is not None
    chosen = re.findall(r'<option value="(\d+)" selected>', select.group(1))
    assert chosen == [str(rule.unit_id)]
    first = re.search(r'<option value="(\d+)"', select.group(1)).group(1)
    assert first != chosen[0] or Unit.objects.count() == 1  # not just the first unit of the list
    explained = re.search(r'data-testid="suggestion">(.*?)</p>', page, re.S).group(1)
    assert rule.unit.name in explained
    assert case.category.name in explained
    assert rule.division.name in explained
    response = _client(world.sam).post(
        f"/cases/{case.code}/act/", {"action": "dispatch", "unit": rule.unit_id}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.lead_unit_id) == ("dispatched", rule.unit_id)


def test_a_grid_worker_sees_only_handling_actions(world):
    case = report(world.alice, world.grid_a)
    groups = {g.key: [t.name for t in g.transitions] + g.extras for g in action_groups(case, world.alice)}
    assert groups == {"handle": ["sign", "return"]}
    case = case_transition(case=case, action="sign", actor=world.alice)
    groups = {g.key: [t.name for t in g.transitions] + g.extras for g in action_groups(case, world.alice)}
    assert groups == {"handle": ["start", "reply", "return"], "extension": ["extend"]}
    page = _client(world.alice).get(f"/cases/{case.code}/").content.decode()
    assert 'data-testid="group-handle"' in page
    assert "whistle-form" not in page
    assert "action-publish" not in page


def test_the_street_desk_groups_its_actions_and_whistles_with_a_checkbox_picker(world):
    case = report(world.alice, world.grid_a)
    case = case_transition(case=case, action="sign", actor=world.alice)
    keys = [g.key for g in action_groups(case, world.sam)]
    assert keys == ["handle", "dispatch", "whistle", "extension", "suspend", "withdraw", "publish"]
    page = _client(world.sam).get(f"/cases/{case.code}/").content.decode()
    assert 'data-testid="unit-picker"' in page
    assert '<select name="units" multiple' not in page
    boxes = re.findall(r'<input type="checkbox" name="units" value="(\d+)"', page)
    assert len(boxes) >= 2
    assert str(case.lead_unit_id) not in boxes  # the lead unit is not called in to help itself
    response = _client(world.sam).post(
        f"/cases/{case.code}/act/",
        {"action": "whistle", "units": boxes[:2], "note": "协助清理占道", "days": "3"},
    )
    assert response.status_code == 302
    called = case.assignments.filter(role=AssignmentRole.CO)
    assert sorted(str(a.unit_id) for a in called) == sorted(boxes[:2])


def test_a_reporters_case_offers_no_staff_follow_up(world):
    from shezhi.cases.services import Intake, case_intake
    from shezhi.cases.tests.helpers import inside

    lon, lat = inside(world.grid_a)
    from shezhi.cases.models import Category

    case = case_intake(
        intake=Intake(channel="resident", description="x 漏水", lon=lon, lat=lat, reporter=world.rita,
                      category=Category.objects.get(code="ZF01")),
        actor=world.rita,
    )  # fmt: skip
    for action, actor, note in [("sign", world.alice, ""), ("reply", world.alice, "已修"),
                                ("approve", world.carol, "")]:  # fmt: skip
        case = case_transition(case=case, action=action, actor=actor, note=note)
    assert not [g for g in action_groups(case, world.carol) if g.key == "visit"]


def test_a_grid_worker_takes_and_closes_a_dispatched_case(world):
    case = report(world.bob, world.grid_a)
    alice = _client(world.alice)
    alice.post(f"/cases/{case.code}/act/", {"action": "sign"})
    alice.post(f"/cases/{case.code}/act/", {"action": "reply", "note": "已调解，双方达成一致"})
    case.refresh_from_db()
    assert case.state == "replied"
    assert [e.action for e in case.events.filter(actor=world.alice)] == ["sign", "reply"]


def test_a_triage_case_is_flagged_and_the_desk_can_place_it(world):
    from shezhi.cases.models import Category
    from shezhi.cases.services import Intake, case_intake

    lost = case_intake(
        intake=Intake(channel="hotline", description="某路口积水", address="猛追湾街道某路口",
                      category=Category.objects.get(code="ZF01")),
        actor=world.sam,
    )  # fmt: skip
    page = _client(world.sam).get(f"/cases/{lost.code}/").content.decode()
    assert 'data-testid="triage-note"' in page
    assert "猛追湾街道" in page
    assert 'data-testid="group-route"' in page
    assert 'data-testid="no-location"' in page
    _client(world.sam).post(f"/cases/{lost.code}/act/", {"action": "route", "grid": world.grid_a.code})
    lost.refresh_from_db()
    assert (lost.state, lost.grid) == ("accepted", world.grid_a)
    page = _client(world.sam).get(f"/cases/{lost.code}/").content.decode()
    assert 'data-testid="case-map"' in page  # the grid is drawn once the case is placed
    assert 'data-testid="suggestion"' in page


def test_every_located_case_page_has_its_map(world):
    case = report(world.alice, world.grid_a)
    page = _client(world.alice).get(f"/cases/{case.code}/").content.decode()
    assert re.search(r'id="case-map"[^>]*data-lon="104\.\d+" data-lat="30\.\d+"', page)
    assert 'id="case-area"' in page
