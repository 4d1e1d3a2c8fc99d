"""The picker endpoints answer within the user's area; the picker field resolves codes and names."""

from __future__ import annotations

import pytest
from django import forms
from django.db.models import Count
from django.test import Client

from shezhi.common.pickers import PickerField
from shezhi.places.models import Division, Grid


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_division_tree_starts_at_the_users_own_area(world):
    body = _client(world.sam).get("/places/pick/divisions/").json()
    assert [i["value"] for i in body["items"]] == [world.street_x.code]
    assert body["items"][0]["children"] is True
    children = _client(world.sam).get("/places/pick/divisions/", {"parent": world.street_x.code}).json()
    assert children["items"]
    assert all(i["value"].startswith(world.street_x.prefix) for i in children["items"])
    assert [c["value"] for c in children["crumbs"]] == [world.street_x.code]


def test_another_areas_branch_answers_404_and_search_stays_inside(world):
    client = _client(world.sam)
    assert client.get("/places/pick/divisions/", {"parent": world.street_y.code}).status_code == 404
    found = client.get("/places/pick/divisions/", {"q": "社区"}).json()["items"]
    assert found
    assert all(i["value"].startswith(world.street_x.prefix) for i in found)
    grids = client.get("/places/pick/grids/", {"q": world.grid_y.name}).json()["items"]
    assert world.grid_y.code not in [g["value"] for g in grids]


def test_levels_mark_what_may_be_chosen(world):
    client = _client(world.dora)
    roots = client.get("/places/pick/divisions/", {"levels": "community"}).json()["items"]
    assert [(i["value"], i["selectable"]) for i in roots] == [(world.street_x.parent.code, False)]
    inside = client.get(
        "/places/pick/divisions/", {"parent": world.street_x.code, "levels": "community"}
    ).json()["items"]
    assert inside
    assert all(i["selectable"] for i in inside)


def test_residents_find_nothing_to_pick_outside_their_community(world):
    body = _client(world.rita).get("/places/pick/grids/").json()
    assert body["items"] == []


class _Form(forms.Form):
    area = PickerField(queryset=Division.objects.all(), kind="division", required=False)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("510108002000", "510108002000"), ("猛追湾街道", "510108002000"), ("  猛追湾街道 ", "510108002000")],
)
def test_the_field_takes_a_code_or_an_exact_name(db, typed, expected):
    form = _Form({"area": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["area"].code == expected


def test_an_unknown_or_ambiguous_name_is_named_next_to_the_field(db):
    unknown = _Form({"area": "不存在的地方"})
    assert not unknown.is_valid()
    assert "没有找到" in unknown.errors["area"][0]
    twice = (
        Division.objects.values("name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("name")
        .first()["name"]
    )
    ambiguous = _Form({"area": twice})
    assert not ambiguous.is_valid()
    assert "多个" in ambiguous.errors["area"][0]


def test_the_widget_renders_a_text_input_with_the_chosen_name(db):
    grid = Grid.objects.order_by("code").first()

    class GridForm(forms.Form):
        grid = PickerField(queryset=Grid.objects.all(), kind="grid")

    html = str(GridForm(initial={"grid": grid.code})["grid"])
    assert 'type="text"' in html
    assert 'data-picker="grid"' in html
    assert grid.name in html
    assert "/places/pick/grids/" in html
