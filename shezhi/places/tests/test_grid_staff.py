"""一格一长一警: the 市/区 administrators set a grid's leader and police officer; it is recorded."""

from __future__ import annotations

from django.test import Client

from shezhi.accounts.models import AccountAction, AccountEvent


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_district_admin_sets_the_grid_leader_and_police(world):
    url = f"/places/grids/{world.grid_a.code}/staff/"
    response = _client(world.dora).post(
        url,
        {
            "leader": world.carol.pk,
            "police_officer": "刘建军",
            "police_station": "猛追湾派出所",
            "police_phone": "028-84321110",
        },
    )
    assert response.status_code == 302
    world.grid_a.refresh_from_db()
    assert world.grid_a.leader == world.carol
    assert world.grid_a.police_officer == "刘建军"
    event = AccountEvent.objects.get(action=AccountAction.GRID_STAFF)
    assert event.subject == world.grid_a.code
    assert event.changes["police_officer"][1] == "刘建军"
    page = _client(world.alice).get(f"/places/grids/{world.grid_a.code}/").content.decode()
    assert "刘建军" in page
    assert "猛追湾派出所" in page
    assert "设置网格长" not in page  # a grid worker reads, does not edit


def test_the_leader_must_work_in_the_grids_community(world):
    response = _client(world.dora).post(
        f"/places/grids/{world.grid_a.code}/staff/", {"leader": world.tina.pk, "police_officer": ""}
    )
    assert response.status_code == 200
    assert "leader" in response.context["form"].errors
    world.grid_a.refresh_from_db()
    assert world.grid_a.leader_id != world.tina.pk


def test_a_bad_duty_phone_is_named_next_to_the_field(world):
    response = _client(world.dora).post(
        f"/places/grids/{world.grid_a.code}/staff/", {"police_officer": "刘建军", "police_phone": "call me"}
    )
    assert "police_phone" in response.context["form"].errors


def test_only_admins_edit_and_other_areas_answer_404(world):
    assert _client(world.sam).get(f"/places/grids/{world.grid_a.code}/staff/").status_code == 403
    assert _client(world.tina).get(f"/places/grids/{world.grid_a.code}/staff/").status_code == 404
    assert _client(world.dora).get(f"/places/grids/{world.grid_a.code}/staff/").status_code == 200


def test_the_api_sets_grid_staff_with_the_error_shape(world):
    client = _client(world.dora)
    url = f"/api/v1/grids/{world.grid_a.code}/staff"
    body = {"leader_username": "carol", "police_officer": "周敏", "police_station": "猛追湾派出所"}
    response = client.put(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["leader_username"] == "carol"
    world.grid_a.refresh_from_db()
    assert world.grid_a.police_officer == "周敏"
    bad = client.put(url, {"leader_username": "tina"}, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["details"][0]["field"] == "leader_username"
    # Another street's officer: the grid is not found; a grid worker: not allowed.
    assert _client(world.tina).put(url, body, content_type="application/json").status_code == 404
    assert _client(world.alice).put(url, body, content_type="application/json").status_code == 403
