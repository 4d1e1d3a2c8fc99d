"""Background work of the life-circle part: an evaluation run on the task backend.

The run row is the single source of truth for progress. The worker moves it
``queued → running`` with a compare-and-swap update and reports each stage the same way
(``filter(pk=…, status=running, attempts=token).update(…)``); when that touches no row, the
run was cancelled in the page meanwhile (or given to another attempt), and the worker stops
without writing results.

A running run holds a lease (shezhi.common.leases) renewed by a heartbeat thread and at every
stage. If its worker dies, the clock's ``lifecircle.leases.runs_reap`` finds the lease expired
and queues the run again (the attempt that follows deletes any partial results before it stores), or,
after ``leases.MAX_ATTEMPTS``, marks it failed with the reason, which the run's page shows.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django_tasks import TaskContext, task

from shezhi.common.leases import Heartbeat, lease_until
from shezhi.lifecircle.analysis import PERSONS_PER_HOUSEHOLD, evaluate, gather
from shezhi.lifecircle.models import (
    AnalysisRun,
    CommunityResult,
    CompoundResult,
    Gap,
    RunStatus,
)
from shezhi.lifecircle.network import current_network
from shezhi.lifecircle.snapshot import facility_snapshot

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """The run was cancelled while the worker was computing it."""


def _stage(mine: QuerySet[AnalysisRun], progress: int, stage: str) -> None:
    updated = mine.update(progress=progress, stage=stage, lease_expires_at=lease_until())
    if updated != 1:
        raise Cancelled


def execute(run_id: int, task_id: str = "") -> str:
    """Compute and store one run (the body of the task; callable directly in tests)."""
    now = timezone.now()
    claimed = AnalysisRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING,
        started_at=now,
        progress=1,
        stage="start",
        attempts=F("attempts") + 1,
        lease_expires_at=lease_until(now),
        task_id=task_id[:64],
    )
    if claimed != 1:
        return "not queued"
    run = AnalysisRun.objects.select_related("area", "standard").get(pk=run_id)
    # This attempt's rows: every write below is conditional on still holding the run.
    mine = AnalysisRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, attempts=run.attempts)

    def renew() -> bool:
        return mine.update(lease_expires_at=lease_until()) == 1

    if connection.in_atomic_block:
        # Called inside a transaction (a test, a management command): another connection
        # could not see the claim; the stages renew the lease instead.
        return _execute(run, mine)
    with Heartbeat(renew):
        return _execute(run, mine)


def _execute(run: AnalysisRun, mine: QuerySet[AnalysisRun]) -> str:
    run_id = run.pk
    timings: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        _stage(mine, 5, "network")
        net, key, parsed, extract = current_network(run.area)
        timings["network_s"] = time.perf_counter() - t0
        mine.update(network_key=key, extract=extract)
        _stage(mine, 10, "inputs")
        t0 = time.perf_counter()
        inputs = gather(
            area_prefix=run.area.prefix, elements=list(run.standard.elements.all()), speed_mps=run.speed_mps
        )
        timings["inputs_s"] = time.perf_counter() - t0
        if len(inputs.compound_ids) == 0:
            raise ValueError("评估范围内没有小区 / no compounds in this area")
        mine.update(snapshot=facility_snapshot(inputs, key, extract))
        t0 = time.perf_counter()
        result = evaluate(net, inputs, progress=lambda pct, stage: _stage(mine, pct, stage))
        timings["evaluate_s"] = time.perf_counter() - t0
        _stage(mine, 95, "store")
        t0 = time.perf_counter()
        with transaction.atomic():
            CompoundResult.objects.filter(run_id=run_id).delete()
            CommunityResult.objects.filter(run_id=run_id).delete()
            Gap.objects.filter(run_id=run_id).delete()
            community_of = dict(zip(inputs.compound_ids.tolist(), inputs.community.tolist(), strict=True))
            grid_of = dict(zip(inputs.compound_ids.tolist(), inputs.grid.tolist(), strict=True))
            households = dict(zip(inputs.compound_ids.tolist(), inputs.households.tolist(), strict=True))
            CompoundResult.objects.bulk_create(
                (
                    CompoundResult(
                        run_id=run_id,
                        compound_id=cid,
                        community_id=community_of[cid],
                        grid_id=grid_of[cid] if grid_of[cid] >= 0 else None,
                        households=round(households[cid]),
                        values=values,
                    )
                    for cid, values in result.compounds.items()
                ),
                batch_size=2000,
            )
            by_community: dict[int, float] = defaultdict(float)
            compounds: dict[int, int] = defaultdict(int)
            for community, hh in zip(inputs.community.tolist(), inputs.households.tolist(), strict=True):
                by_community[community] += hh
                compounds[community] += 1
            # One row per community of the area, also those without compounds: the count of
            # communities and the facilities located in them are part of the figures.
            CommunityResult.objects.bulk_create(
                CommunityResult(
                    run_id=run_id,
                    community_id=community,
                    compounds=compounds[community],
                    households=round(by_community[community]),
                    residents=round(by_community[community] * PERSONS_PER_HOUSEHOLD),
                    values=values,
                )
                for community, values in result.communities.items()
            )
            Gap.objects.bulk_create(Gap(run_id=run_id, **gap) for gap in result.gaps)
            timings["store_s"] = time.perf_counter() - t0
            summary = {
                **result.summary,
                "timings": timings,
                "network_parsed": parsed,
                "compounds_off_network_ids": result.origins_off_network[:100],
            }
            finished = mine.update(
                status=RunStatus.DONE,
                progress=100,
                stage="done",
                summary=summary,
                finished_at=timezone.now(),
                lease_expires_at=None,
            )
            if finished != 1:
                raise Cancelled
    except Cancelled:
        log.info("life-circle run %s was cancelled", run_id)
        return "cancelled"
    except Exception as exc:
        log.exception("life-circle run %s failed", run_id)
        mine.update(
            status=RunStatus.FAILED,
            error=str(exc)[:2000],
            finished_at=timezone.now(),
            stage="failed",
            lease_expires_at=None,
        )
        return "failed"
    return "done"


@task(takes_context=True)
def run_analysis(context: TaskContext, run_id: int) -> str:
    """Evaluate one life-circle run (queued by :func:`~shezhi.lifecircle.services.analysis_start`)."""
    return execute(run_id, task_id=str(context.task_result.id))
