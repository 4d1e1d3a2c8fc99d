"""Accounts and sessions: demo passwords, brute force, weak passwords, API tokens, /healthz."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from shezhi.accounts.models import ApiToken, User
from shezhi.accounts.roles import Role

ROOT = Path(__file__).resolve().parents[2]
STRONG = "Kq7m-x3Pa-Zt9w"


def _demo_passwords(*args: str) -> dict[str, str]:
    out = io.StringIO()
    call_command("demo_accounts", *args, stdout=out)
    found = {}
    for line in out.getvalue().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in {"city", "grid", "street", "auditor", "planner"}:
            found[parts[0]] = parts[1]
    return found


def _me(raw: str) -> int:
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code


def test_demo_passwords_are_random_and_not_reset_on_every_start(db):
    first = _demo_passwords()
    assert set(first) == {"city", "grid", "street", "auditor", "planner"}
    assert len(set(first.values())) == len(first), "demo accounts share a password"
    for username, password in first.items():
        user = User.objects.get(username=username)
        assert password != "shezhi-demo"
        validate_password(password, user)
        assert user.check_password(password)
        assert password not in user.password  # stored hashed only

    # `make run` again: the passwords are kept and not printed again.
    again = _demo_passwords()
    assert not set(again.values()) & set(first.values())
    assert User.objects.get(username="grid").check_password(first["grid"])

    # --reset-passwords prints new ones; the old ones stop working.
    reset = _demo_passwords("--reset-passwords")
    assert reset["grid"] != first["grid"]
    grid = User.objects.get(username="grid")
    assert grid.check_password(reset["grid"])
    assert not grid.check_password(first["grid"])


def test_a_production_installation_gets_no_demo_accounts(db, settings):
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo_accounts", stdout=io.StringIO())
    assert not User.objects.filter(username="city").exists()


def test_the_first_administrator_comes_from_createsuperuser(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STRONG)
    call_command(
        "createsuperuser", interactive=False, username="root", email="root@example.org", stdout=io.StringIO()
    )
    admin = User.objects.get(username="root")
    assert admin.is_superuser
    assert admin.role == Role.CITY_ADMIN
    assert admin.division is not None
    assert admin.division.code == "510100000000"
    admin.full_clean()


def test_make_run_listens_on_this_machine_only():
    makefile = (ROOT / "Makefile").read_text()
    procfile = (ROOT / "Procfile").read_text()
    assert re.search(r"^HOST\s*\?=\s*127\.0\.0\.1$", makefile, re.M)
    assert "0.0.0.0" not in procfile
    assert "${HOST:-127.0.0.1}" in procfile


def test_brute_force_on_the_login_form_locks_out_and_is_recorded(world):
    from axes.models import AccessFailureLog

    attacker = Client(REMOTE_ADDR="203.0.113.7")
    limit = getattr(settings, "AXES_FAILURE_LIMIT", 5)
    for i in range(limit):
        # A forged X-Forwarded-For does not make each try look like a new address.
        response = attacker.post(
            "/accounts/login/",
            {"username": "alice", "password": f"guess-{i}"},
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
        )
    assert response.status_code == 429
    # Locked: even the right password is refused from that address, with a Chinese page.
    response = attacker.post("/accounts/login/", {"username": "alice", "password": "pw-alice"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "登录已暂停" in html
    assert "_auth_user_id" not in attacker.session
    failures = AccessFailureLog.objects.filter(username="alice", ip_address="203.0.113.7")
    assert failures.count() >= limit
    assert failures.filter(locked_out=True).exists()

    # By username and address together: alice still logs in from her own office...
    office = Client(REMOTE_ADDR="10.1.2.3")
    response = office.post("/accounts/login/", {"username": "alice", "password": "pw-alice"})
    assert response.status_code == 302
    # ...and the attacker's address is not locked out for other users.
    response = attacker.post("/accounts/login/", {"username": "bob", "password": "pw-bob"})
    assert response.status_code == 302

    # The 审计员 sees the failures; a street officer does not.
    auditor = Client()
    auditor.force_login(world.audrey)
    page = auditor.get("/accounts/login-failures/?username=alice")
    assert page.status_code == 200
    assert "203.0.113.7" in page.content.decode()
    assert "锁定中" in page.content.decode()
    street = Client()
    street.force_login(world.sam)
    assert street.get("/accounts/login-failures/").status_code == 403


def test_behind_a_proxy_the_lockout_counts_the_address_the_proxy_saw(world, settings):
    settings.BEHIND_PROXY = True
    limit = getattr(settings, "AXES_FAILURE_LIMIT", 5)
    for i in range(limit):
        # The client may prepend whatever it likes; the proxy appends the real address last.
        Client(REMOTE_ADDR="10.0.0.1").post(
            "/accounts/login/",
            {"username": "alice", "password": f"guess-{i}"},
            headers={"X-Forwarded-For": f"198.51.100.{i}, 203.0.113.9"},
        )
    locked = Client(REMOTE_ADDR="10.0.0.1").post(
        "/accounts/login/",
        {"username": "alice", "password": "pw-alice"},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert locked.status_code == 429
    # Another client behind the same proxy is not locked out; junk in the header is ignored.
    other = Client(REMOTE_ADDR="10.0.0.1").post(
        "/accounts/login/",
        {"username": "alice", "password": "pw-alice"},
        headers={"X-Forwarded-For": "203.0.113.10"},
    )
    assert other.status_code == 302
    junk = Client(REMOTE_ADDR="10.0.0.1").post(
        "/accounts/login/",
        {"username": "bob", "password": "nope"},
        headers={"X-Forwarded-For": "not-an-address"},
    )
    assert junk.status_code == 200


@pytest.mark.parametrize(
    "weak",
    [
        "shezhi-demo",  # the old shared demo password: too short
        "abcdefghijklmn",  # one class of characters
        "chengdu2026abc",  # two classes
        "Zx9-short",  # three classes, too short
    ],
)
def test_weak_passwords_are_refused(world, weak):
    with pytest.raises(ValidationError):
        validate_password(weak, world.alice)
    client = Client()
    client.force_login(world.alice)
    response = client.post(
        "/accounts/password/",
        {"old_password": "pw-alice", "new_password1": weak, "new_password2": weak},
    )
    assert response.status_code == 200  # the form again, with the reason
    world.alice.refresh_from_db()
    assert world.alice.check_password("pw-alice")


def test_an_expired_token_is_refused(world):
    token, raw = ApiToken.issue(user=world.alice, name="phone", days=30)
    assert token.expires_at - timezone.now() > timedelta(days=29)
    assert _me(raw) == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _me(raw) == 401
    _default, raw = ApiToken.issue(user=world.alice, name="default")
    assert ApiToken.objects.get(prefix=raw[:8]).expires_at <= timezone.now() + timedelta(
        days=getattr(settings, "API_TOKEN_DAYS", 90)
    )
    with pytest.raises(ValidationError):
        ApiToken.issue(
            user=world.alice, name="forever", days=getattr(settings, "API_TOKEN_MAX_DAYS", 365) + 1
        )


def test_issue_token_takes_an_expiry(world, capsys):
    call_command("issue_token", "sam", "--days", "7")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(prefix=raw[:8])
    assert timedelta(days=6) < token.expires_at - timezone.now() <= timedelta(days=7)


def test_a_token_dies_when_its_owner_changes_password(world):
    _token, raw = ApiToken.issue(user=world.alice, name="phone")
    assert _me(raw) == 200
    elsewhere = Client()
    elsewhere.force_login(world.alice)
    client = Client()
    client.force_login(world.alice)
    assert 'href="/accounts/password/"' in client.get("/").content.decode()
    response = client.post(
        "/accounts/password/",
        {"old_password": "pw-alice", "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.status_code == 302
    assert _me(raw) == 401
    assert client.get("/places/divisions/").status_code == 200  # this session goes on
    assert elsewhere.get("/places/divisions/").status_code == 302  # the others end
    # Any other way of setting the password too (admin, changepassword, set_password).
    _token, raw = ApiToken.issue(user=world.bob, name="phone")
    world.bob.set_password(STRONG + "!")
    world.bob.save()
    assert _me(raw) == 401


def test_the_token_page_manages_only_ones_own_tokens(world):
    alice = Client()
    alice.force_login(world.alice)
    response = alice.post("/accounts/tokens/", {"name": "巡查终端", "days": 30})
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("max-age=0")
    raw = re.search(r'data-testid="token-raw">(sz_[^<]+)<', response.content.decode()).group(1)
    assert _me(raw) == 200
    token = ApiToken.objects.get(prefix=raw[:8])
    assert token.user == world.alice
    assert raw not in token.key_hash

    # Listed afterwards by prefix only; the key is never shown again.
    listing = alice.get("/accounts/tokens/").content.decode()
    assert token.prefix in listing
    assert raw not in listing

    # bob's token is not alice's to see or revoke: 404, like a token that does not exist.
    bobs, bobs_raw = ApiToken.issue(user=world.bob, name="bob's")
    assert bobs.prefix not in listing
    assert alice.post(f"/accounts/tokens/{bobs.pk}/revoke/").status_code == 404
    assert alice.post("/accounts/tokens/999999/revoke/").status_code == 404
    assert _me(bobs_raw) == 200

    assert alice.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert _me(raw) == 401
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_healthz_tells_the_public_only_up_or_down(world):
    from django_tasks_db.models import DBTaskResult

    before = DBTaskResult.objects.count()
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert DBTaskResult.objects.count() == before  # an anonymous call writes nothing

    # A signed-in non-operator learns no more than the public.
    client = Client()
    client.force_login(world.alice)
    assert client.get("/healthz").json() == {"status": "ok"}

    ops = Client()
    ops.force_login(world.cate)
    world.cate.is_staff = True
    world.cate.save(update_fields=["is_staff"])
    body = ops.get("/healthz").json()
    assert {"version", "database", "tasks"} <= set(body)
