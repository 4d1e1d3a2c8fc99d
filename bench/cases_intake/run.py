"""Intake load benchmark: Open311 POST requests over HTTP on loopback, at increasing rates.

Starts gunicorn (the production server of the Procfile: 2 workers × 4 threads) on
PostgreSQL, then offers an open-loop load (requests sent on a fixed schedule, whether or
not earlier ones have answered) at each rate for a few seconds, first to ``POST
/open311/v2/requests.json`` (validation, grid lookup, routing, SLA, sealed phone, three
event rows) and then to a bare Django view that only inserts one row — our ceiling.
Prints accepted requests/s, p50/p99 latency and the number lost (sent but neither
stored nor answered with an error; must be 0), and the ratio of the two.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_cases .venv/bin/python -m bench.cases_intake.run

Needs PostgreSQL; the database is created (and emptied of earlier bench rows) by the run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("BENCH_PORT", "8765"))


@dataclass
class Result:
    rate: int
    sent: int = 0
    ok: int = 0
    errors: int = 0  # answered with an error status
    unanswered: int = 0  # connection refused, reset or timed out
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def accepted_per_s(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000


async def _request(body: bytes, path: str, result: Result, timeout: float) -> None:
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", PORT), timeout)
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout)
        await asyncio.wait_for(reader.read(), timeout)
        writer.close()
        status = int(status_line.split()[1])
    except (TimeoutError, OSError, IndexError, ValueError):
        result.unanswered += 1
        return
    result.latencies.append(time.perf_counter() - start)
    if status == 200:
        result.ok += 1
    else:
        result.errors += 1


async def _offer(rate: int, seconds: float, make_body, path: str, timeout: float) -> Result:
    result = Result(rate)
    tasks = []
    start = time.perf_counter()
    n = int(rate * seconds)
    for i in range(n):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_request(make_body(i), path, result, timeout)))
        result.sent += 1
    await asyncio.gather(*tasks)
    result.elapsed = time.perf_counter() - start
    return result


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.cases_intake.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _create_database() -> None:
    """Create the PostgreSQL database named in DATABASE_URL if it is missing."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"], dbname="postgres",
        autocommit=True,
    ) as conn:  # fmt: skip
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def _prepare() -> tuple[str, list[tuple[float, float]]]:
    from django.core.management import call_command
    from django.db import connection
    from shapely.geometry import shape

    from shezhi.accounts.models import User
    from shezhi.accounts.roles import Role
    from shezhi.cases.models import Case, Open311Client
    from shezhi.places.models import Division, Grid, GridKind

    call_command("migrate", verbosity=0)
    if not Grid.objects.exists():
        call_command("load_places", verbosity=0)
    call_command("load_cases", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, ref text, body text)"
        )  # noqa: E501
        cursor.execute("TRUNCATE bench_rows")
    Case.objects.filter(source_ref__startswith="BENCH-").delete()
    district = Division.objects.get(code="510108000000")
    user, _ = User.objects.update_or_create(
        username="bench-open311", defaults={"role": Role.DISTRICT_STAFF, "division": district}
    )
    _client, key = Open311Client.issue(name="bench", user=user)
    points = []
    for grid in Grid.objects.filter(kind=GridKind.GENERAL).order_by("code")[:50]:
        p = shape(grid.boundary).representative_point()
        points.append((p.x, p.y))
    return key, points


def _count(run: str) -> tuple[int, int]:
    from django.db import connection

    from shezhi.cases.models import Case

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_rows WHERE ref LIKE %s", [f"BENCH-{run}-%"])
        bare = cursor.fetchone()[0]
    return Case.objects.filter(source_ref__startswith=f"BENCH-{run}-").count(), bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="25,50,100,200")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit(
            "set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/bench_cases"
        )
    _django()
    from django.db import connection

    _create_database()
    key, points = _prepare()
    connection.close()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.cases_intake.settings", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "shezhi.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", "2", "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        time.sleep(3)
        rows = []
        for rate in (int(r) for r in args.rates.split(",")):
            run = uuid.uuid4().hex[:6]

            def body(i: int, run: str = run) -> bytes:
                lon, lat = points[i % len(points)]
                return urlencode(
                    {"api_key": key, "service_code": "ZF01", "lat": lat, "long": lon,
                     "description": f"楼上漏水，与邻居协商不成，请求调解（压测 {i}）", "phone": "13800138000",
                     "device_id": f"BENCH-{run}-{i}"}
                ).encode()  # fmt: skip

            ours = asyncio.run(_offer(rate, args.seconds, body, "/open311/v2/requests.json", args.timeout))
            bare = asyncio.run(_offer(rate, args.seconds, body, "/bench/insert", args.timeout))
            stored, stored_bare = _count(run)
            rows.append((rate, ours, stored, bare, stored_bare))
        print(  # noqa: T201
            "offered/s | intake: accepted/s  p50 ms  p99 ms  lost"
            " | bare insert: accepted/s  p50 ms  p99 ms  lost | p50 ratio"
        )
        for rate, ours, stored, bare, stored_bare in rows:
            lost = ours.sent - stored - ours.errors
            lost_bare = bare.sent - stored_bare - bare.errors
            print(  # noqa: T201
                f"{rate:9d} | {ours.accepted_per_s:18.1f} {ours.pct(0.5):7.1f} {ours.pct(0.99):7.1f}"
                f" {lost:5d}"
                f" | {bare.accepted_per_s:22.1f} {bare.pct(0.5):7.1f} {bare.pct(0.99):7.1f} {lost_bare:5d}"
                f" | {ours.pct(0.5) / bare.pct(0.5):8.1f}x"
                + (
                    f"  (error answers: {ours.errors} intake, {bare.errors} bare; unanswered: "
                    f"{ours.unanswered}, {bare.unanswered})"
                    if ours.errors or bare.errors or ours.unanswered or bare.unanswered
                    else ""
                )
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
