"""Area isolation, proven generically over every page and every API operation.

The test enumerates the URL patterns of the project and the operations of the OpenAPI
document at run time, so a new page or endpoint is covered without editing this file.
For each persona it computes, from the scoped models themselves, which identifiers are
foreign (not visible to them) and checks that

* a URL with a foreign identifier in its path answers 404 and leaks nothing;
* every page and list answers without mentioning any foreign identifier;
* query parameters given a foreign identifier leak nothing either.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from shezhi.accounts.models import User
from shezhi.accounts.scoping import scoped_models

#: Prefixes walked elsewhere or not scoped data: the API is walked through its OpenAPI
#: document; admin has its own test; static files, language switch and logout are not data.
SKIP_PREFIXES = ("admin/", "api/v1/", "i18n/", "static/", "accounts/logout/", "accounts/login/")
TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]*[0-9A-Za-z]")
CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


@dataclass
class Identifiers:
    """Codes and primary keys that are, and are not, visible to one user."""

    foreign_codes: set[str] = field(default_factory=set)
    own_codes: set[str] = field(default_factory=set)
    foreign_ints: set[int] = field(default_factory=set)
    own_ints: set[int] = field(default_factory=set)
    anchor: str = ""

    @classmethod
    def for_user(cls, user: User) -> Identifiers:
        ids = cls(anchor=user.grid.code if user.grid else user.division.code if user.division else "")
        for model in scoped_models():
            visible = model.objects.visible_to(user)
            fields = {f.name for f in model._meta.get_fields()}
            if "code" in fields:
                ids.own_codes |= set(visible.values_list("code", flat=True))
                ids.foreign_codes |= set(
                    model.objects.exclude(pk__in=visible.values("pk")).values_list("code", flat=True)
                )
            ids.own_ints |= set(visible.values_list("pk", flat=True))
            ids.foreign_ints |= set(
                model.objects.exclude(pk__in=visible.values("pk")).values_list("pk", flat=True)
            )
        # The divisions and grids above one's own area are its context (a community's record
        # names its street, a grid its parent grid), not another area.
        for node in (user.division, user.grid):
            while node is not None:
                ids.own_codes.add(node.code)
                node = node.parent
        # An identifier visible through any model is not foreign.
        ids.foreign_codes -= ids.own_codes
        ids.foreign_ints -= ids.own_ints
        return ids

    def probe_codes(self, limit: int = 12) -> list[str]:
        """A spread of foreign codes: nearest neighbours first (same community, street)."""
        anchor = self.anchor

        def closeness(code: str) -> tuple[int, str]:
            shared = len(next((p for p in _prefixes(anchor) if code.startswith(p)), ""))
            return (-shared, code)

        return sorted(self.foreign_codes, key=closeness)[:limit]

    def probe_ints(self, limit: int = 6) -> list[int]:
        return sorted(self.foreign_ints)[:limit]

    def leaks(self, body: str) -> set[str]:
        """Foreign codes that occur as whole tokens in a response body.

        Whole tokens, because an own grid's code ``…-00-01`` contains its parent's ``…-00``.
        """
        return set(TOKEN.findall(body)) & self.foreign_codes


def _prefixes(code: str) -> list[str]:
    return [code[:n] for n in range(len(code), 0, -1)]


def _routes(patterns=None, prefix: str = "") -> list[tuple[str, object]]:
    """Every route of the URLconf as (template such as ``places/grids/<str:code>/``, view)."""
    routes = []
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        piece = str(p.pattern)
        if isinstance(p, URLResolver):
            routes += _routes(p.url_patterns, prefix + piece)
        elif isinstance(p, URLPattern):
            routes.append((prefix + piece, p.callback))
    return routes


def _page_routes() -> list[tuple[str, object]]:
    return [(r, v) for r, v in _routes() if not r.startswith(SKIP_PREFIXES) and not r.startswith("^")]


def _fill(route: str, value: object) -> str:
    return "/" + CONVERTER.sub(str(value), route)


def _values_for(route: str, ids: Identifiers) -> list[object]:
    conv = {m.group("conv") or "str" for m in CONVERTER.finditer(route)}
    if conv & {"int"}:
        return list(ids.probe_ints())
    return list(ids.probe_codes())


def _api_operations(client: Client) -> list[tuple[str, str, dict]]:
    spec = json.loads(client.get("/api/v1/openapi.json").content)
    ops = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            ops.append((path, method, op))
    return ops


PERSONAS = {
    # persona: who must not see the other grid / street
    "grid_worker_a": "alice",
    "grid_worker_b": "bob",
    "street_officer_x": "sam",
    "street_officer_y": "tina",
    "community_worker": "carol",
    "resident": "rita",
}


@pytest.fixture(params=sorted(PERSONAS))
def persona(request, world) -> tuple[User, Identifiers, Client]:
    user = getattr(world, PERSONAS[request.param])
    client = Client()
    client.force_login(user)
    return user, Identifiers.for_user(user), client


def test_the_personas_have_foreign_neighbours(world):
    alice = Identifiers.for_user(world.alice)
    assert world.grid_b.code in alice.foreign_codes
    assert world.grid_a.code in alice.own_codes
    sam = Identifiers.for_user(world.sam)
    assert world.street_y.code in sam.foreign_codes
    assert world.grid_y.code in sam.foreign_codes
    assert world.grid_b.code in alice.probe_codes()


def test_pages_never_show_another_areas_objects(persona):
    user, ids, client = persona
    checked = 0
    for route, view in _page_routes():
        if CONVERTER.search(route):
            # City-wide configuration (marked with @not_area_scoped) takes identifiers that
            # are not areas'; it must still leak nothing of another area.
            expected = (200, 403, 404) if getattr(view, "not_area_scoped", None) else (404,)
            for value in _values_for(route, ids):
                response = client.get(_fill(route, value))
                if response.status_code == 405:  # a form's target: another area's id in a POST
                    response = client.post(_fill(route, value))
                assert response.status_code in expected, (route, value, response.status_code)
                assert not ids.leaks(response.content.decode()), (route, value)
                checked += 1
        else:
            response = client.get("/" + route)
            # 403: a page the persona's role may not use at all (e.g. the auditor's log).
            assert response.status_code in (200, 403, 405), (route, response.status_code)
            leaked = ids.leaks(response.content.decode())
            assert not leaked, (route, sorted(leaked)[:5])
            checked += 1
    assert checked > 10


def test_own_objects_are_reachable(world):
    """The walk above is not vacuous: the same routes answer 200 for one's own objects."""
    client = Client()
    client.force_login(world.alice)
    ok = 0
    for route, _view in _page_routes():
        if CONVERTER.search(route):
            own = [world.grid_a.code] if "grid" in route else [world.grid_a.community.code]
            for value in own:
                if client.get(_fill(route, value)).status_code == 200:
                    ok += 1
    assert ok >= 2


def test_api_operations_never_show_another_areas_objects(persona):
    user, ids, client = persona
    operations = _api_operations(client)
    assert operations
    for path, method, op in operations:
        path_params = [p for p in op.get("parameters", []) if p["in"] == "path"]
        query_params = [
            p["name"] for p in op.get("parameters", []) if p["in"] == "query" and p["name"] != "page"
        ]
        if method != "get":
            # Writes to a foreign object must fail before touching it.
            if path_params:
                for value in ids.probe_codes(3) + ids.probe_ints(3):
                    url = re.sub(r"\{\w+\}", str(value), path)
                    response = getattr(client, method)(url, data="{}", content_type="application/json")
                    assert response.status_code in (403, 404, 405, 422), (method, url)
            continue
        if path_params:
            schema_type = path_params[0].get("schema", {}).get("type", "string")
            values = ids.probe_ints() if schema_type == "integer" else ids.probe_codes()
            for value in values:
                url = re.sub(r"\{\w+\}", str(value), path)
                response = client.get(url)
                assert response.status_code == 404, (url, response.status_code)
                assert not ids.leaks(response.content.decode()), url
            continue
        for page in range(1, 60):
            response = client.get(path, {"page": page})
            assert response.status_code in (200, 403, 404), (path, response.status_code)
            body = response.content.decode()
            assert not ids.leaks(body), (path, page, sorted(ids.leaks(body))[:5])
            items = response.json().get("items") if response.status_code == 200 else None
            if not items:
                break
        for name in query_params:
            for value in ids.probe_codes(4):
                response = client.get(path, {name: value})
                assert response.status_code in (200, 403, 404, 422), (path, name, value)
                assert not ids.leaks(response.content.decode()), (path, name, value)


def test_the_admin_is_closed_to_area_staff(world):
    client = Client()
    client.force_login(world.sam)
    response = client.get("/admin/places/grid/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
