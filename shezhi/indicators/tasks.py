"""Indicator computations on the task backend."""

from __future__ import annotations

from django_tasks import task

from shezhi.indicators import services


@task()
def compute_indicators(run_id: int) -> int:
    """Compute every indicator of a :class:`~shezhi.indicators.models.ComputationRun`."""
    return services.run_execute(run_id).values_count
