from django.test import Client
from django.utils import timezone

from shezhi.accounts.models import ApiToken


def test_the_api_refuses_anonymous_callers(world):
    response = Client().get("/api/v1/grids")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthorized"
    assert body["message"]
    assert body["message_en"]


def test_a_bearer_token_authenticates_and_scopes(world):
    token, raw = ApiToken.issue(user=world.alice, name="phone")
    assert token.key_hash != raw
    assert raw not in token.key_hash
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json()["grid_code"] == world.grid_a.code
    codes = [
        g["code"]
        for g in Client().get("/api/v1/grids", headers={"Authorization": f"Bearer {raw}"}).json()["items"]
    ]
    assert codes
    assert all(c.startswith(world.grid_a.code) for c in codes)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_or_wrong_token_is_refused(world):
    token, raw = ApiToken.issue(user=world.alice, name="old")
    token.revoked_at = timezone.now()
    token.save()
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert Client().get("/api/v1/me", headers={"Authorization": "Bearer sz_nope"}).status_code == 401


def test_the_session_authenticates_the_api(world):
    client = Client()
    client.force_login(world.sam)
    assert client.get("/api/v1/me").json()["division_code"] == world.street_x.code


def test_another_areas_object_is_404_not_403(world):
    client = Client()
    client.force_login(world.alice)
    response = client.get(f"/api/v1/grids/{world.grid_b.code}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    missing = client.get("/api/v1/grids/510108002002-99")
    assert missing.status_code == 404
    assert missing.json() == response.json()


def test_issue_token_command_prints_a_working_key(world, capsys):
    from django.core.management import call_command

    call_command("issue_token", "sam", "--name", "cli")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("sz_")
    assert ApiToken.objects.authenticate(raw) == world.sam
