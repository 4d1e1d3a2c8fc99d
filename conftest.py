"""Shared test fixtures: the real Chengdu tree and demo area, loaded once, and role personas."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.management import call_command

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.places.models import Division, Grid, GridKind


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: PT004 - extends pytest-django's
    """Load the bundled real data once per test database; each test runs in a rollback."""
    with django_db_blocker.unblock():
        call_command("load_places", verbosity=0)
        call_command("load_people", households_per_compound=3, verbosity=0)
        call_command("load_lifecircle", verbosity=0)
        call_command("load_cases", verbosity=0)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 is slow on purpose; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    """Two grids of one community, a community of another street, and a user per role.

    alice works grid A, bob grid B (same community); sam is street officer of street X,
    tina of street Y; carol is the community worker of grid A's community.
    """

    grid_a: Grid
    grid_b: Grid
    grid_y: Grid
    street_x: Division
    street_y: Division
    alice: User
    bob: User
    sam: User
    tina: User
    carol: User
    dora: User
    rita: User
    paul: User
    cate: User
    audrey: User


def _user(username: str, role: Role, division: Division | None, grid: Grid | None = None) -> User:
    return User.objects.create_user(
        username=username,
        password="pw-" + username,
        role=role,
        division=division,
        grid=grid,
        display_name=username,
    )


@pytest.fixture
def world(db) -> World:
    street_x = Division.objects.get(code="510108002000")  # 猛追湾街道
    street_y = Division.objects.get(code="510108004000")  # 双桥子街道
    generals = Grid.objects.filter(
        community__code__startswith=street_x.prefix, kind=GridKind.GENERAL
    ).order_by("code")
    grid_a = generals[0]
    grid_b = generals.filter(community=grid_a.community).exclude(pk=grid_a.pk).first()
    grid_y = (
        Grid.objects.filter(community__code__startswith=street_y.prefix, kind=GridKind.GENERAL)
        .order_by("code")
        .first()
    )
    assert grid_b is not None
    assert grid_y is not None
    community = grid_a.community
    world = World(
        grid_a=grid_a,
        grid_b=grid_b,
        grid_y=grid_y,
        street_x=street_x,
        street_y=street_y,
        alice=_user("alice", Role.GRID_WORKER, community, grid_a),
        bob=_user("bob", Role.GRID_WORKER, community, grid_b),
        sam=_user("sam", Role.STREET_STAFF, street_x),
        tina=_user("tina", Role.STREET_STAFF, street_y),
        carol=_user("carol", Role.COMMUNITY_WORKER, community),
        dora=_user("dora", Role.DISTRICT_STAFF, street_x.parent),
        rita=_user("rita", Role.RESIDENT, community),
        paul=_user("paul", Role.PARTNER, community),
        cate=_user("cate", Role.CITY_ADMIN, Division.objects.get(code="510100000000")),
        audrey=_user("audrey", Role.AUDITOR, Division.objects.get(code="510100000000")),
    )
    # Cases in grids A, B and Y, so the isolation walk covers the cases pages and API.
    from shezhi.cases.demo import seed_world_cases

    seed_world_cases(world)
    return world
