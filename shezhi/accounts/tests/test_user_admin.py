"""Account administration in the app: area and role rules, one-time passwords, the audit trail."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client

from shezhi.accounts.models import AccountAction, AccountEvent, ApiToken, User
from shezhi.accounts.roles import Role

JINJIANG = "510104000000"  # 锦江区


@pytest.fixture
def jin(world) -> User:
    """The district administrator of 锦江区 (another district than the world's 成华区)."""
    return User.objects.create_user(
        username="jin",
        password="pw-jin",
        role=Role.DISTRICT_STAFF,
        division=apps.get_model("places", "Division").objects.get(code=JINJIANG),
    )


def _login(client: Client, username: str, password: str) -> bool:
    """Log in through the login page (django-axes needs the request)."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_district_admin_lists_only_accounts_of_their_district(world, jin):
    body = _client(world.dora).get("/accounts/users/").content.decode()
    for name in ("alice", "bob", "sam", "tina", "carol", "rita"):
        assert f">{name}<" in body
    assert ">jin<" not in body  # 锦江区
    assert ">cate<" not in body  # a city role is above a district admin
    assert ">audrey<" not in body
    body = _client(jin).get("/accounts/users/").content.decode()
    assert ">alice<" not in body
    assert ">dora<" not in body


def test_it_rejects_other_districts_accounts_with_404(world, jin):
    client = _client(jin)
    pk = world.alice.pk
    assert client.get(f"/accounts/users/{pk}/").status_code == 404
    assert client.post(f"/accounts/users/{pk}/", {"role": "grid_worker"}).status_code == 404
    assert client.post(f"/accounts/users/{pk}/reset-password/").status_code == 404
    assert client.post(f"/accounts/users/{pk}/active/", {"active": "0"}).status_code == 404
    world.alice.refresh_from_db()
    assert world.alice.is_active
    assert not AccountEvent.objects.exists()


def test_staff_who_are_not_admins_cannot_manage_accounts(world):
    client = _client(world.sam)
    assert client.get("/accounts/users/").status_code == 403
    assert client.get("/accounts/users/new/").status_code == 403
    assert client.get(f"/accounts/users/{world.alice.pk}/").status_code == 404


def test_creating_a_grid_worker_gives_a_one_time_password_and_records_it(world):
    client = _client(world.dora)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "gina",
            "display_name": "张静",
            "role": "grid_worker",
            "division": "",
            "grid": world.grid_a.code,
        },
    )
    assert response.status_code == 200
    password = response.context["password"]
    assert password in response.content.decode()
    gina = User.objects.get(username="gina")
    assert gina.grid == world.grid_a
    assert gina.division == world.grid_a.community
    assert gina.must_change_password
    assert gina.check_password(password)
    event = AccountEvent.objects.get(target=gina)
    assert event.action == AccountAction.CREATED
    assert event.actor == world.dora
    assert password not in str(event.changes)
    # First login: every page leads to the password change until it is done.
    own = Client()
    assert _login(own, "gina", password)
    response = own.get("/people/residents/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/"
    assert own.get("/api/v1/me").status_code == 403
    response = own.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": "Zq8-wuv-Lmn-42x", "new_password2": "Zq8-wuv-Lmn-42x"},
    )
    assert response.status_code == 302
    gina.refresh_from_db()
    assert not gina.must_change_password
    assert own.get("/people/residents/").status_code == 200


def test_a_district_admin_gives_no_role_above_their_own(world):
    client = _client(world.dora)
    response = client.post(
        "/accounts/users/new/",
        {"username": "boss", "display_name": "x", "role": "city_admin", "division": "510100000000"},
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(username="boss").exists()


def test_a_district_admin_creates_no_account_outside_their_district(world):
    client = _client(world.dora)
    response = client.post(
        "/accounts/users/new/",
        {"username": "out", "display_name": "x", "role": "street_staff", "division": "510104021000"},
    )
    assert "division" in response.context["form"].errors
    assert not User.objects.filter(username="out").exists()


def test_the_area_can_be_typed_by_name_without_javascript(world):
    client = _client(world.dora)
    response = client.post(
        "/accounts/users/new/",
        {"username": "stan", "display_name": "李强", "role": "street_staff", "division": "双桥子街道"},
    )
    assert response.status_code == 200, response.context["form"].errors
    assert User.objects.get(username="stan").division == world.street_y


def test_changing_role_and_area_is_recorded_and_ends_tokens(world):
    ApiToken.issue(user=world.bob, name="t")
    client = _client(world.dora)
    response = client.post(
        f"/accounts/users/{world.bob.pk}/",
        {"display_name": "bob", "role": "grid_worker", "grid": world.grid_y.code},
    )
    assert response.status_code == 302
    world.bob.refresh_from_db()
    assert world.bob.grid == world.grid_y
    event = AccountEvent.objects.get(target=world.bob, action=AccountAction.CHANGED)
    assert world.grid_y.code in event.changes["grid"][1]
    assert not ApiToken.objects.live().filter(user=world.bob).exists()


def test_resetting_a_password_replaces_it_and_forces_a_change(world):
    client = _client(world.dora)
    response = client.post(f"/accounts/users/{world.carol.pk}/reset-password/")
    password = response.context["password"]
    world.carol.refresh_from_db()
    assert not world.carol.check_password("pw-carol")
    assert world.carol.check_password(password)
    assert world.carol.must_change_password
    assert AccountEvent.objects.filter(target=world.carol, action=AccountAction.PASSWORD_RESET).exists()


def test_deactivating_stops_login_and_is_recorded(world):
    client = _client(world.dora)
    client.post(f"/accounts/users/{world.carol.pk}/active/", {"active": "0"})
    world.carol.refresh_from_db()
    assert not world.carol.is_active
    assert not _login(Client(), "carol", "pw-carol")
    client.post(f"/accounts/users/{world.carol.pk}/active/", {"active": "1"})
    world.carol.refresh_from_db()
    assert world.carol.is_active
    actions = list(AccountEvent.objects.filter(target=world.carol).values_list("action", flat=True))
    assert actions == [AccountAction.REACTIVATED, AccountAction.DEACTIVATED]


def test_an_admin_cannot_change_their_own_account_here(world):
    client = _client(world.cate)
    response = client.post(f"/accounts/users/{world.cate.pk}/active/", {"active": "0"})
    world.cate.refresh_from_db()
    assert world.cate.is_active
    assert response.status_code == 302
    assert not AccountEvent.objects.exists()


def test_the_auditor_sees_the_account_audit_trail(world):
    _client(world.dora).post(f"/accounts/users/{world.carol.pk}/reset-password/")
    body = _client(world.audrey).get("/accounts/audit/").content.decode()
    assert "dora" in body
    assert "carol" in body
    assert _client(world.dora).get("/accounts/audit/").status_code == 403


def test_the_django_admin_is_for_superusers_only(world):
    world.cate.is_staff = True
    world.cate.save()
    response = _client(world.cate).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    root = User.objects.create_superuser("root", password="pw-root-Abc-123")
    assert _client(root).get("/admin/").status_code == 200


def test_the_api_administers_accounts_with_the_error_shape(world, jin):
    client = _client(world.dora)
    response = client.post(
        "/api/v1/users",
        {"username": "gus", "display_name": "王磊", "role": "grid_worker", "grid_code": world.grid_a.code},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    gus = User.objects.get(username="gus")
    assert gus.check_password(body["password"])
    assert body["user"]["division_code"] == world.grid_a.community.code
    response = client.post(
        "/api/v1/users",
        {"username": "boss", "role": "city_admin", "division_code": "510108000000"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert set(response.json()) == {"code", "message", "message_en", "details"}
    response = client.patch(
        f"/api/v1/users/{gus.pk}",
        {"role": "street_staff", "division_code": "510104021000"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "division_code"
    assert client.post(f"/api/v1/users/{gus.pk}/deactivate").json()["is_active"] is False
    # Another district's administrator: not found, like an account that does not exist.
    other = _client(jin)
    assert other.get(f"/api/v1/users/{gus.pk}").status_code == 404
    assert other.post(f"/api/v1/users/{gus.pk}/reset-password").status_code == 404
    assert other.post(f"/api/v1/users/{gus.pk}/reactivate").status_code == 404
    assert [u["username"] for u in other.get("/api/v1/users").json()["items"]] == ["jin"]
    assert _client(world.sam).get("/api/v1/users").status_code == 403


def test_the_audit_trail_reads_in_the_readers_language(world):
    from django.utils import translation

    client = _client(world.dora)
    client.post(
        f"/accounts/users/{world.sam.pk}/",
        {"display_name": "sam", "role": "planner", "division": world.street_x.parent.code},
    )
    event = AccountEvent.objects.get(target=world.sam, action=AccountAction.CHANGED)
    assert event.changes["role"] == ["street_staff", "planner"]
    with translation.override("zh-hans"):
        assert ("角色", "街道工作人员", "规划师") in event.changes_display()
    with translation.override("en"):
        labels = {row[0] for row in event.changes_display()}
        assert "角色" not in labels
