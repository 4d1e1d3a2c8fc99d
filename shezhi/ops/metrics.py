"""/metrics for Prometheus: requests (django-prometheus) and the platform's own gauges.

The platform's figures are read from the database (and Redis) at scrape time, so every web
process reports the same values: tasks waiting, running and failed; seconds since the SLA
scan last succeeded and since a worker last finished a task; work whose lease expired; rows
imported by resident imports. Request metrics are django-prometheus' middleware counters
(per process; with several gunicorn workers set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
directory that all of them share, docs/operations.md).

Only monitoring may read it: a client whose address is in ``METRICS_ALLOWED_IPS`` (default
this machine), presenting ``METRICS_TOKEN`` as a bearer token when one is set, or a staff
user. Anyone else gets 404.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator

import prometheus_client
from django.conf import settings
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from shezhi.accounts.auth import client_ip
from shezhi.common import leases
from shezhi.ops import status


class PlatformCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        try:
            counts = status.queue_counts()
        except Exception:  # noqa: BLE001 - the queue (Redis) is away: report that, not a 500
            counts = {}
        yield GaugeMetricFamily(
            "shezhi_task_queue_up", "1 if the task queue answered", value=int(bool(counts))
        )
        queue = GaugeMetricFamily("shezhi_task_queue_depth", "Tasks by state", labels=["state"])
        for state, n in counts.items():
            queue.add_metric([state], n)
        yield queue
        scan = status.sla_scan_last_success()
        yield GaugeMetricFamily(
            "shezhi_sla_scan_lag_seconds",
            "Seconds since the SLA scan last succeeded (-1: never)",
            value=(now - scan).total_seconds() if scan else -1,
        )
        seen = status.worker_last_seen()
        yield GaugeMetricFamily(
            "shezhi_worker_last_seen_seconds",
            "Seconds since a task worker last finished a task (-1: never)",
            value=(now - seen).total_seconds() if seen else -1,
        )
        stuck = GaugeMetricFamily("shezhi_stuck_work", "Running work whose lease expired", labels=["kind"])
        for work in leases.registered():
            stuck.add_metric([work.name], work.expired(now))
        yield stuck
        from shezhi.people.models import ImportBatch, ImportStatus

        rows = CounterMetricFamily(
            "shezhi_import_rows", "Resident import rows by batch state", labels=["state"]
        )
        totals = ImportBatch.objects.values("status").annotate(rows=Sum("good_rows"))
        by_state = {t["status"]: t["rows"] or 0 for t in totals}
        for state in ImportStatus.values:
            rows.add_metric([state], by_state.get(state, 0))
        yield rows


def _allowed(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active and user.is_staff:
        return True
    allowed = {a.strip() for a in settings.METRICS_ALLOWED_IPS if a.strip()}
    if client_ip(request) not in allowed:
        return False
    token = settings.METRICS_TOKEN
    if not token:
        return True
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return hmac.compare_digest(given.encode(), token.encode())


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        requests = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = prometheus_client.REGISTRY
    platform = prometheus_client.CollectorRegistry()
    platform.register(PlatformCollector())
    body = prometheus_client.generate_latest(requests) + prometheus_client.generate_latest(platform)
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
