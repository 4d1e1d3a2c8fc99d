"""Benchmark: import 200,000 synthetic residents from .xlsx and CSV, on SQLite and PostgreSQL.

Side by side, on the same file and the same database:

* **shezhi preview** — ``resident_import_dry_run``: stream, validate every row, look up every
  ID number by its blind index, plan households; writes nothing.
* **shezhi confirm** — ``resident_import_apply``: the same pass, then encrypt, bulk-insert
  households and residents with their history rows, in one transaction.
* **django-import-export** — a plain ``ModelResource`` for ``Resident`` (import id: the blind
  index) whose ``before_import_row`` runs the same validation (``resident_clean``) and finds
  or creates the household; the file is loaded into a ``tablib.Dataset`` and imported with
  ``import_data(dry_run=False, use_transactions=True)``, as the library documents.

Each measurement runs in a fresh process on a fresh copy of a prepared database (divisions
and demo compounds loaded), so the peak resident set size (``ru_maxrss``) is that run's own;
we print the peak minus the process's size before the import started.

    .venv/bin/python bench/people_import.py                       # 200,000 rows, both databases
    .venv/bin/python bench/people_import.py --rows 20000 --databases sqlite
    .venv/bin/python bench/people_import.py --peer-rows 50000     # cap the (slow) peer's file

PostgreSQL is reached at ``--pg-url`` (default ``postgres://postgres@127.0.0.1:5432``); the
benchmark creates and drops its own databases ``bench_people*`` there. It is skipped, with a
message, when no server answers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "bench-people"
PYTHON = sys.executable
PEER_COLUMNS = (
    "id_index",
    "id_number",
    "sex",
    "birth_date",
    "phone",
    "phone_index",
    "relation",
    "tags",
    "note",
)
PEER_COLUMNS += ("name", "household_id")


# ---------------------------------------------------------------------------- worker side


def _django(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shezhi.settings")
    os.environ["SHEZHI_VAR_DIR"] = str(WORK / "var")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _actor():  # type: ignore[no-untyped-def]
    from shezhi.accounts.models import User

    user, _ = User.objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True, "role": "city_admin"}
    )
    return user


def worker_prepare() -> None:
    """Migrate and load the divisions and demo compounds into the template database."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_places", verbosity=0)
    _actor()


def worker_generate(rows: int, out_dir: Path) -> None:
    """One CSV and one .xlsx with the same ``rows`` synthetic residents (seeded, valid IDs)."""
    import csv

    from openpyxl import Workbook

    from shezhi.people.demo import (
        HOME_REGION,
        OTHER_REGIONS,
        _birth_date,
        _members,
        synthetic_id_number,
        synthetic_name,
        synthetic_phone,
    )
    from shezhi.people.models import Relation
    from shezhi.people.readers import HEADERS
    from shezhi.places.models import Compound

    names: dict[str, int] = {}
    for name in Compound.objects.values_list("name", flat=True):
        names[name.strip()] = names.get(name.strip(), 0) + 1
    compounds = sorted(n for n, k in names.items() if k == 1)  # the importer rejects ambiguous names
    rng = random.Random(20261201)
    labels = {code: str(label) for code, label in Relation.choices}
    seen: set[str] = set()
    csv_path, xlsx_path = out_dir / f"residents-{rows}.csv", out_dir / f"residents-{rows}.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("居民")
    ws.append(HEADERS)
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        n, household = 0, 0
        while n < rows:
            compound = compounds[household % len(compounds)]
            floor, door = divmod(household // len(compounds), 4)
            status = rng.choices(("户籍", "常住", "流动"), weights=(0.7, 0.2, 0.1))[0]
            for age, relation in _members(rng):
                if n >= rows:
                    break
                sex = rng.choice("MF")
                region = HOME_REGION if status == "户籍" else rng.choice(OTHER_REGIONS)
                number = synthetic_id_number(region, _birth_date(age, rng), sex, rng)
                while number in seen:
                    number = synthetic_id_number(region, _birth_date(age, rng), sex, rng)
                seen.add(number)
                row = [
                    compound,
                    f"{1 + floor // 40}栋",
                    f"{1 + floor % 4}单元",
                    f"{1 + floor % 30}{door:02d}",
                    status,
                    synthetic_name(rng),
                    number,
                    synthetic_phone(rng) if age >= 16 else "",
                    labels[relation],
                    "党员" if rng.random() < 0.07 else "",
                    "合成数据",
                ]
                writer.writerow(row)
                ws.append(row)
                n += 1
            household += 1
    wb.save(xlsx_path)


def _peer_resource():  # type: ignore[no-untyped-def]
    """A plain django-import-export resource doing the same validation and household lookup."""
    from import_export import fields, resources

    from shezhi.people.models import Household, ResidenceStatus, Resident
    from shezhi.people.readers import COLUMNS
    from shezhi.people.validation import parse_choice, resident_clean
    from shezhi.places.models import Compound

    header = {c.key: c.header for c in COLUMNS}
    compounds = {c.name.strip(): c for c in Compound.objects.all()}

    class ResidentResource(resources.ModelResource):
        household = fields.Field(attribute="household_id", column_name="household_id")

        class Meta:
            model = Resident
            import_id_fields = ["id_index"]
            fields = (
                "id_index",
                "name",
                "id_number",
                "sex",
                "birth_date",
                "phone",
                "phone_index",
                "relation",
                "tags",
                "note",
                "household",
            )
            skip_unchanged = True

        def before_import_row(self, row, **kwargs):  # type: ignore[no-untyped-def]
            clean, problems = resident_clean(
                name=row.get(header["name"]) or "",
                id_number=row.get(header["id_number"]) or "",
                phone=row.get(header["phone"]) or "",
                relation=row.get(header["relation"]) or "",
                tags=row.get(header["tags"]) or "",
            )
            if problems or clean is None:
                raise ValueError("; ".join(str(p) for p in problems))
            status, _ = parse_choice(row.get(header["status"]) or "户籍", ResidenceStatus, "status", "", "")
            compound = compounds[row[header["compound"]]]
            household, _ = Household.objects.get_or_create(
                compound=compound,
                building=row.get(header["building"]) or "",
                unit=row.get(header["unit"]) or "",
                room=row[header["room"]],
                defaults={
                    "status": status,
                    "community_id": compound.community_id,
                    "grid_id": compound.grid_id,
                },
            )
            row.update({k: getattr(clean, k) for k in vars(clean)})
            row["household_id"] = household.pk
            row["note"] = row.get(header["note"]) or ""

    return ResidentResource()


def worker_run(tool: str, path: Path) -> dict[str, object]:
    from django.db import connection

    from shezhi.people.importers import resident_import_apply, resident_import_dry_run
    from shezhi.people.models import Household, Resident

    actor = _actor()
    if tool == "peer":
        peer = _peer_resource()
    connection.ensure_connection()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if tool == "preview":
        plan = resident_import_dry_run(actor=actor, path=path, filename=path.name)
        rows, errors = plan.total_rows, len(plan.errors)
    elif tool == "confirm":
        plan = resident_import_apply(actor=actor, path=path, filename=path.name)
        rows, errors = plan.total_rows, len(plan.errors)
    else:
        import tablib

        fmt = "xlsx" if path.suffix == ".xlsx" else "csv"
        with path.open(
            "rb" if fmt == "xlsx" else "r", **({} if fmt == "xlsx" else {"encoding": "utf-8-sig"})
        ) as fh:
            dataset = tablib.Dataset().load(fh, format=fmt)
        # The resource's own columns, filled by before_import_row from the Chinese ones.
        for key in PEER_COLUMNS:
            dataset.append_col([""] * len(dataset), header=key)
        result = peer.import_data(dataset, dry_run=False, use_transactions=True)
        rows, errors = len(dataset), len(result.row_errors()) + len(result.invalid_rows)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stored = Resident.objects.count()
    return {
        "rows": rows,
        "errors": errors,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "peak_mb": (peak - base) / 1024,
        "stored": stored,
        "households": Household.objects.count(),
    }


# ---------------------------------------------------------------------------- parent side


def _sub(mode: str, db_url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": db_url}
    out = subprocess.run(
        [PYTHON, __file__, "--worker", mode, "--db", db_url, *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def _pg(pg_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _pg_available(pg_url: str) -> bool:
    try:
        _pg(pg_url, "SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
        sys.stderr.write(f"PostgreSQL at {pg_url} not reachable, skipped ({exc})\n")
        return False
    return True


class Database:
    """A prepared template and fresh copies of it for each run."""

    def __init__(self, kind: str, pg_url: str) -> None:
        self.kind, self.pg_url = kind, pg_url
        self.template = (
            f"sqlite:///{WORK / 'template.sqlite3'}"
            if kind == "sqlite"
            else f"{pg_url}/bench_people_template"
        )

    def prepare(self) -> None:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                (WORK / f"template.sqlite3{suffix}").unlink(missing_ok=True)
        else:
            _pg(self.pg_url, "DROP DATABASE IF EXISTS bench_people_template")
            _pg(self.pg_url, "CREATE DATABASE bench_people_template")
        _sub("prepare", self.template)

    def fresh(self) -> str:
        if self.kind == "sqlite":
            _sub("checkpoint", self.template)
            target = WORK / "run.sqlite3"
            for suffix in ("-wal", "-shm"):
                (WORK / f"run.sqlite3{suffix}").unlink(missing_ok=True)
            shutil.copyfile(WORK / "template.sqlite3", target)
            return f"sqlite:///{target}"
        _pg(self.pg_url, "DROP DATABASE IF EXISTS bench_people_run")
        _pg(self.pg_url, "CREATE DATABASE bench_people_run TEMPLATE bench_people_template")
        return f"{self.pg_url}/bench_people_run"

    def drop(self) -> None:
        if self.kind == "postgres":
            _pg(self.pg_url, "DROP DATABASE IF EXISTS bench_people_run")
            _pg(self.pg_url, "DROP DATABASE IF EXISTS bench_people_template")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--peer-rows", type=int, default=None, help="rows for the peer (default: --rows)")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--worker")
    parser.add_argument("--db")
    parser.add_argument("--tool")
    parser.add_argument("--file")
    parser.add_argument("--out")
    args = parser.parse_args()

    if args.worker:
        _django(args.db)
        if args.worker == "prepare":
            worker_prepare()
        elif args.worker == "checkpoint":
            from django.db import connection

            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif args.worker == "generate":
            worker_generate(args.rows, Path(args.out))
        elif args.worker == "run":
            sys.stdout.write(json.dumps(worker_run(args.tool, Path(args.file))) + "\n")
        return

    WORK.mkdir(parents=True, exist_ok=True)
    peer_rows = args.peer_rows or args.rows
    formats = args.formats.split(",")
    kinds = [k for k in args.databases.split(",") if k != "postgres" or _pg_available(args.pg_url)]
    results = []
    for kind in kinds:
        db = Database(kind, args.pg_url)
        db.prepare()
        for n in sorted({args.rows, peer_rows}):
            if not (WORK / f"residents-{n}.csv").exists() or not (WORK / f"residents-{n}.xlsx").exists():
                _sub("generate", db.template, "--rows", str(n), "--out", str(WORK))
        for fmt in formats:
            for tool, n in (("preview", args.rows), ("confirm", args.rows), ("peer", peer_rows)):
                path = WORK / f"residents-{n}.{fmt}"
                line = _sub("run", db.fresh(), "--tool", tool, "--file", str(path))
                r = json.loads(line)
                r.update(database=kind, format=fmt, tool=tool)
                results.append(r)
                sys.stderr.write(f"{kind:8} {fmt:4} {tool:8} {r['rows']:>8} rows {r['seconds']:8.1f} s\n")
        db.drop()

    names = {
        "preview": "shezhi 预览 preview",
        "confirm": "shezhi 确认 confirm",
        "peer": "django-import-export",
    }
    lines = [
        "| database | format | tool | rows | seconds | rows/s | peak memory (MB) | stored |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['database']} | {r['format']} | {names[r['tool']]} | {r['rows']:,} | {r['seconds']:.1f} | "
            f"{r['rows_per_s']:,.0f} | {r['peak_mb']:.0f} | {r['stored']:,} |"
        )
    lines.append("")
    for kind in kinds:
        for fmt in formats:
            by = {r["tool"]: r for r in results if r["database"] == kind and r["format"] == fmt}
            if "confirm" in by and "peer" in by:
                c, p = by["confirm"], by["peer"]
                line = (
                    f"- {kind} {fmt}: shezhi confirm {c['rows_per_s']:,.0f} rows/s vs django-import-export "
                    f"{p['rows_per_s']:,.0f} rows/s — {c['rows_per_s'] / p['rows_per_s']:.1f}× the rows/s; "
                )
                if c["rows"] == p["rows"]:
                    line += f"peak memory {c['peak_mb']:.0f} MB vs {p['peak_mb']:.0f} MB"
                else:
                    line += (
                        f"peak memory {c['peak_mb']:.0f} MB for {c['rows']:,} rows vs "
                        f"{p['peak_mb']:.0f} MB for the peer's {p['rows']:,}"
                    )
                lines.append(line)
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
