"""Platform-wide background tasks."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task


@task()
def heartbeat() -> str:
    """A no-op the worker runs so /healthz can tell the worker is alive."""
    return timezone.now().isoformat()


@task()
def uploads_expire() -> int:
    """Delete raw uploads nobody confirmed within their lifetime (the clock enqueues this hourly)."""
    from shezhi.common.uploads import uploads_expire as sweep

    return sweep()
