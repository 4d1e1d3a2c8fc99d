"""Property-based fuzzing of the whole HTTP API from its own OpenAPI document (schemathesis).

For three roles (grid worker, street officer, city administrator), every operation of
``/api/v1/openapi.json`` is called with generated valid and invalid input, through the real
WSGI stack (middleware included), with the role's bearer token. Every answer must be

* not a server error (no 5xx), and
* documented: its status code is one the operation declares, its content type and body
  conform to the declared schema (the one ``ErrorOut`` shape for every 4xx).

Besides generated path parameters (mostly not found), each operation on one object is also
fuzzed on a real object the role can see, so bodies reach the services behind it.

Bounded for CI: a few examples per operation and generation mode, derandomized (the same
inputs on every run), no deadline, no shrinking, no example database. New operations are
covered without editing this file.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shezhi.accounts.models import ApiToken

ROLES = {"grid_worker": "alice", "street_officer": "sam", "city_admin": "cate"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 6}
ON_OWN_OBJECTS = 10


@pytest.fixture
def wsgi_app(settings):
    """Django's WSGI handler, sharing the test's database transaction.

    Like Django's test client, keep the handler from closing the connection at the end of
    each request (that would end the test's transaction).
    """
    settings.ALLOWED_HOSTS = ["*"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _operations(spec: dict) -> list[tuple[str, str]]:
    return [
        (path, method)
        for path, methods in spec["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _own_objects(user) -> dict[str, dict[str, object]]:
    """Path parameters naming an object ``user`` can see, by the path's first segment."""
    from shezhi.cases.models import Case
    from shezhi.people.models import Facility, Household, Organisation, Resident
    from shezhi.places.models import Compound, Grid

    def first(model, field: str = "pk") -> object:
        return model.objects.visible_to(user).order_by("pk").values_list(field, flat=True).first()

    own = {
        "divisions": {"code": (user.grid.community if user.grid else user.division).code},
        "grids": {"code": first(Grid, "code")},
        "cases": {"code": first(Case, "code")},
        "compounds": {"compound_id": first(Compound)},
        "residents": {"resident_id": first(Resident)},
        "households": {"household_id": first(Household)},
        "facilities": {"facility_id": first(Facility)},
        "organisations": {"organisation_id": first(Organisation)},
    }
    return {key: values for key, values in own.items() if None not in values.values()}


def _fuzz(operation, mode: GenerationMode, token: str, examples: int, path_parameters=None) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=CHECKS)

    run()


@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_api_answers_every_generated_input_as_documented(role, world, wsgi_app):
    user = getattr(world, ROLES[role])
    _token, raw = ApiToken.issue(user=user, name="fuzz")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    failures = []
    operations = _operations(schema.raw_schema)
    assert len(operations) > 20
    own = _own_objects(user)
    for path, method in operations:
        operation = schema[path][method.upper()]
        runs = [(mode, examples, None) for mode, examples in EXAMPLES.items()]
        segment = path.removeprefix("/api/v1/").split("/")[0]
        if "{" in path and segment in own:
            runs.append((GenerationMode.POSITIVE, ON_OWN_OBJECTS, own[segment]))
        for mode, examples, parameters in runs:
            try:
                _fuzz(operation, mode, raw, examples, parameters)
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failures, not the first
                where = " on an own object" if parameters else ""
                failures.append(f"{method.upper()} {path} [{mode.value}{where}]: {exc}")
    assert len(own) >= 6
    assert not failures, "\n\n".join(failures)
