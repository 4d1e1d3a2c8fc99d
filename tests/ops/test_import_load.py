"""A 50,000-row resident import on SQLite while a client logs in, reveals and posts Open311.

The import confirm runs in this process, chunk by chunk (shezhi.people.importers); the client
talks to the real web server (gunicorn under deploy/supervise.py) every 100 ms. Not one of its
requests may fail with a server error, and the worker and the clock must not die.
"""

from __future__ import annotations

import csv
import io
import os
import random
import re
import threading
import time
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.db import connections

from shezhi.accounts.models import ApiToken, User
from shezhi.accounts.roles import Role
from shezhi.cases.models import Category, Open311Client
from shezhi.cases.tests.helpers import inside
from shezhi.people.demo import HOME_REGION, _birth_date, synthetic_id_number, synthetic_name
from shezhi.people.importers import resident_import_confirm, resident_import_preview
from shezhi.people.models import ImportStatus, Resident
from shezhi.people.readers import HEADERS
from shezhi.places.models import Compound, Division, Grid, GridKind
from tests.ops.stack import Stack

ROWS = int(os.environ.get("SHEZHI_LOAD_ROWS", "50000"))
PASSWORD = "Load-test-pass-2026"


def _file(rows: int) -> io.BytesIO:
    counts: dict[str, int] = {}
    for name in Compound.objects.values_list("name", flat=True):
        counts[name.strip()] = counts.get(name.strip(), 0) + 1
    compounds = sorted(n for n, k in counts.items() if k == 1)
    rng = random.Random(13)
    seen: set[str] = set()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for i in range(rows):
        household, member = divmod(i, 3)
        sex = rng.choice("MF")
        number = synthetic_id_number(HOME_REGION, _birth_date(rng.randint(1, 90), rng), sex, rng)
        while number in seen:
            number = synthetic_id_number(HOME_REGION, _birth_date(rng.randint(1, 90), rng), sex, rng)
        seen.add(number)
        floor, door = divmod(household // len(compounds), 4)
        writer.writerow(
            [
                compounds[household % len(compounds)],
                f"{1 + floor // 40}栋",
                f"{1 + floor % 4}单元",
                f"{1 + floor % 30}{door:02d}",
                "户籍",
                synthetic_name(rng),
                number,
                "",
                "户主" if member == 0 else "其他",
                "",
                "合成数据",
            ]
        )
    return io.BytesIO(out.getvalue().encode("utf-8-sig"))


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_a_50000_row_import_on_sqlite_locks_nobody_out(tmp_path: Path, settings) -> None:
    if connections["default"].vendor != "sqlite":
        pytest.skip("the SQLite case (PostgreSQL takes no table lock for these inserts)")
    if not Grid.objects.exists():
        call_command("load_places", stdout=io.StringIO())
    if not Category.objects.filter(code="ZF01").exists():
        call_command("load_cases", stdout=io.StringIO())
    settings.VAR_DIR = tmp_path  # the stored upload
    importer = User.objects.create_superuser("load-importer", password=PASSWORD)
    if not Resident.objects.filter(household__grid__isnull=False).exists():
        call_command("load_people", stdout=io.StringIO())
    someone = Resident.objects.filter(household__grid__isnull=False).order_by("pk").first()
    assert someone is not None
    grid = someone.household.grid
    worker = User.objects.create_user(
        "load-client", password=PASSWORD, role=Role.GRID_WORKER, division=grid.community, grid=grid
    )
    # The server checks passwords with its own hashers (the tests' fast MD5 is not one of them).
    pbkdf2 = PBKDF2PasswordHasher()
    User.objects.filter(pk=worker.pk).update(password=pbkdf2.encode(PASSWORD, pbkdf2.salt()))
    _token, bearer = ApiToken.issue(user=worker, name="load")
    street = Division.objects.get(code="510108002000")
    officer = User.objects.create_user("load-o311", role=Role.STREET_STAFF, division=street)
    _o311, key = Open311Client.issue(name="load", user=officer)
    general = Grid.objects.filter(community__code__startswith=street.prefix, kind=GridKind.GENERAL)
    lon, lat = inside(general.order_by("code")[0])
    assert Resident.objects.visible_to(worker).filter(pk=someone.pk).exists()

    batch = resident_import_preview(actor=importer, upload=_file(ROWS), filename="load.csv")
    assert batch.good_rows == ROWS, batch.errors[:3]

    with Stack(tmp_path / "var", CLOCK_INTERVAL="1") as stack:
        stack.wait_up()
        pids = {name: stack.pid(name) for name in ("worker", "clock")}
        base = f"http://127.0.0.1:{stack.port}"
        outcome: dict[str, object] = {}

        def confirm() -> None:
            started = time.monotonic()
            try:
                outcome["batch"] = resident_import_confirm(actor=importer, batch=batch)
            except BaseException as exc:  # reported by the assertions below
                outcome["error"] = exc
            finally:
                outcome["seconds"] = time.monotonic() - started
                connections.close_all()

        importing = threading.Thread(target=confirm)
        importing.start()
        statuses: list[tuple[str, int]] = []
        bodies: list[str] = []
        while importing.is_alive():
            cycle = time.monotonic()
            with requests.Session() as client:
                page = client.get(f"{base}/accounts/login/", timeout=60)
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
                login = client.post(
                    f"{base}/accounts/login/",
                    data={
                        "username": "load-client",
                        "password": PASSWORD,
                        "csrfmiddlewaretoken": token.group(1) if token else "",
                    },
                    headers={"Referer": f"{base}/accounts/login/"},
                    allow_redirects=False,
                    timeout=60,
                )
                statuses += [("login page", page.status_code), ("login", login.status_code)]
            reveal = requests.post(
                f"{base}/api/v1/residents/{someone.pk}/reveal",
                json={"field": "id_number", "reason": "负载测试核对"},
                headers={"Authorization": f"Bearer {bearer}"},
                timeout=60,
            )
            report = requests.post(
                f"{base}/open311/v2/requests.json",
                data={
                    "api_key": key,
                    "service_code": "ZF01",
                    "lat": lat,
                    "long": lon,
                    "description": f"导入期间的上报 {len(statuses)}",
                },
                timeout=60,
            )
            statuses += [("reveal", reveal.status_code), ("open311", report.status_code)]
            if report.status_code >= 300:
                bodies.append(report.text[:300])
            time.sleep(max(0.0, 0.1 - (time.monotonic() - cycle)))
        importing.join()
        assert "error" not in outcome, outcome
        assert outcome["batch"].status == ImportStatus.APPLIED
        server_errors = [(what, code) for what, code in statuses if code >= 500]
        assert not server_errors, (server_errors[:10], len(statuses), stack.output())
        assert {code for what, code in statuses if what == "login"} == {302}
        assert {code for what, code in statuses if what == "reveal"} == {200}
        assert {code for what, code in statuses if what == "open311"} <= {200, 201}, bodies[:3]
        assert len(statuses) >= 8, statuses  # the client was served during the import
        assert {name: stack.pid(name) for name in ("worker", "clock")} == pids, stack.output()
        assert "Traceback" not in stack.output(tail=None)
    print(f"import of {ROWS} rows: {outcome['seconds']:.1f} s; client requests: {len(statuses)}")  # noqa: T201
