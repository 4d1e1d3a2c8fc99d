"""Benchmark: every indicator for all communities of Chengdu, and the ranking's Monte Carlo.

    .venv/bin/python bench/indicators.py                # 3,047 communities, 1,000 draws
    .venv/bin/python bench/indicators.py --cases 5 --draws 1000
    .venv/bin/python bench/indicators.py --reuse       # skip preparing the database again

On a fresh SQLite database under ``var/bench-indicators/`` (the embedded default): the
2023 division tree of Chengdu is loaded, then **synthetic source rows (合成, ``synthetic=True``
where the model has the flag)** are generated for every community the demo does not cover:
one compound and ``--households`` households, ``--cases`` cases of this year (closed on time,
closed late, open; rated or not), three facilities, and a finished life-circle evaluation with
a community result per community. Then it times

1. ``services.run_execute`` for the whole city: every active indicator of the default set,
   for every community, street, district and the city, with formula versions, digests and
   source row ids written to the database (target < 30 s);
2. ``composite.compute`` with 1,000 Monte Carlo draws over weights and normalisation for
   every community (target < 10 s), and ``services.ranking_create`` (the same plus reading
   the values and writing the entries).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

# ruff: noqa: T201 - a benchmark prints its timings

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "bench-indicators"


def _django(reuse: bool) -> bool:
    """Point Django at the benchmark's database; True if a prepared one is reused."""
    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / "bench.sqlite3"
    if reuse and db.exists():
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shezhi.settings")
        os.environ["SHEZHI_VAR_DIR"] = str(WORK / "var")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        return True
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shezhi.settings")
    os.environ["SHEZHI_VAR_DIR"] = str(WORK / "var")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return False


def _synthetic(households: int, cases: int) -> int:
    """Synthetic source rows for every community; returns the number of communities."""
    from django.utils import timezone

    from shezhi.accounts.roles import DivisionLevel
    from shezhi.cases.models import Case, Channel
    from shezhi.lifecircle.models import AnalysisRun, CommunityResult, RunStatus, ServiceElement, Walker
    from shezhi.lifecircle.services import standard_seed_default
    from shezhi.people.models import Facility, FacilityCategory, FacilityLevel, Household
    from shezhi.places.models import Compound, Division, Source

    rng = random.Random(2025)
    communities = list(Division.objects.filter(level=DivisionLevel.COMMUNITY, code__startswith="5101"))
    city = Division.objects.get(code="510100000000")
    now = timezone.now()
    year_start = dt.datetime(now.year, 1, 1, tzinfo=now.tzinfo)
    compounds = Compound.objects.bulk_create(
        [
            Compound(name=f"合成小区{c.code}", community=c, lon=104.06, lat=30.66, source=Source.GENERATED)
            for c in communities
        ],
        batch_size=2000,
    )
    Household.objects.bulk_create(
        [
            Household(compound=k, community=k.community, room=f"{i + 1}", status="resident", synthetic=True)
            for k in compounds
            for i in range(households)
        ],
        batch_size=5000,
    )
    cats = [FacilityCategory.EV_CHARGING, FacilityCategory.TOILET, FacilityCategory.CONVENIENCE]
    Facility.objects.bulk_create(
        [
            Facility(name=f"合成{cat}", category=cat, level=FacilityLevel.FIVE, community=c, lon=104.06,
                     lat=30.66, synthetic=True)
            for c in communities
            for cat in cats
            if rng.random() < 0.7
        ],
        batch_size=5000,
    )  # fmt: skip
    rows = []
    n = 0
    for c in communities:
        for _ in range(cases):
            n += 1
            opened = year_start + dt.timedelta(hours=rng.uniform(0, 24 * 300))
            due = opened + dt.timedelta(days=5)
            state = rng.choice(["closed", "closed", "visited", "in_progress"])
            closed = opened + dt.timedelta(days=rng.uniform(0.5, 7)) if state != "in_progress" else None
            rows.append(
                Case(
                    code=f"SYN{n:08d}", channel=rng.choice(list(Channel.values)), title="合成工单",
                    division=c, state=state, opened_at=opened, updated_at=opened,
                    dispatched_at=opened, response_due=opened + dt.timedelta(hours=2),
                    signed_at=opened + dt.timedelta(hours=rng.uniform(0.1, 3)), handling_due=due,
                    closed_at=closed, satisfaction=rng.choice(["", "satisfied", "basic", "dissatisfied"]),
                    source_ref=f"SYNTH-{n}",
                )
            )  # fmt: skip
    Case.objects.bulk_create(rows, batch_size=5000)
    version = standard_seed_default()
    elements = list(ServiceElement.objects.filter(version=version).values_list("code", flat=True))
    run = AnalysisRun.objects.create(
        area=city, standard=version, walker=Walker.ADULT, status=RunStatus.DONE, finished_at=now
    )
    results = []
    for c in communities:
        hh = rng.randint(500, 5000)
        values = {
            e: {"covered": round(hh * rng.random()), "floor_area_m2": rng.choice([0, 100, 300, 600])}
            for e in elements
        }
        results.append(CommunityResult(run=run, community=c, households=hh, values=values))
    CommunityResult.objects.bulk_create(results, batch_size=1000)
    return len(communities)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=10)
    parser.add_argument("--cases", type=int, default=5)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true", help="reuse a database prepared by an earlier run")
    args = parser.parse_args()
    reused = _django(args.reuse)
    from django.core.management import call_command
    from django.utils import timezone

    t = time.perf_counter()
    from shezhi.indicators import composite, services
    from shezhi.indicators.defaults import DEFAULT_WEIGHTS
    from shezhi.places.models import Division

    if reused:
        n = Division.objects.filter(level="community", code__startswith="5101").count()
        print(f"reusing the prepared database: {n} communities")
    else:
        call_command("migrate", verbosity=0)
        call_command("load_places", verbosity=0)
        n = _synthetic(args.households, args.cases)
        services.seed_defaults()
        print(f"prepared {n} communities with synthetic rows in {time.perf_counter() - t:.1f} s")

    city = Division.objects.get(code="510100000000")
    year = str(timezone.localdate().year)
    t = time.perf_counter()
    run = services.run_execute(services.run_start(area=city, period=year, actor=None).pk)
    compute_s = time.perf_counter() - t
    print(f"compute: {run.values_count:,} values ({n} communities + streets, districts, city) in {compute_s:.2f} s"
          f"  [target < 30 s]")  # fmt: skip

    import numpy as np

    from shezhi.indicators.models import IndicatorValue

    codes = sorted(DEFAULT_WEIGHTS)
    rows = IndicatorValue.objects.filter(run=run, level="community", indicator__code__in=codes).values_list(
        "area_id", "indicator__code", "value"
    )
    areas = sorted({a for a, _c, _v in rows})
    idx, col = {a: i for i, a in enumerate(areas)}, {c: j for j, c in enumerate(codes)}
    X = np.full((len(areas), len(codes)), np.nan)
    for a, c, v in rows:
        X[idx[a], col[c]] = np.nan if v is None else v
    w = np.array([DEFAULT_WEIGHTS[c] for c in codes])
    t = time.perf_counter()
    composite.compute(
        X, np.ones(len(codes)), w, normalisation="minmax", aggregation="arithmetic", draws=args.draws
    )
    mc_s = time.perf_counter() - t
    print(f"monte carlo: {args.draws} draws x {len(areas)} communities in {mc_s:.2f} s  [target < 10 s]")
    t = time.perf_counter()
    r = services.ranking_create(
        name="bench", area=city, run=run, weights=DEFAULT_WEIGHTS, normalisation="minmax",
        aggregation="arithmetic", actor=None, draws=args.draws,
    )  # fmt: skip
    print(f"ranking_create (read values, Monte Carlo, write {r.entries.count()} entries): "
          f"{time.perf_counter() - t:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
