"""Platform-wide background tasks."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task


@task()
def heartbeat() -> str:
    """A no-op the worker runs so /healthz can tell the worker is alive."""
    return timezone.now().isoformat()
