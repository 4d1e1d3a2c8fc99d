"""Background load of an uploaded OSM extract (the administrator's page queues it)."""

from __future__ import annotations

import logging
from pathlib import Path

from django_tasks import task

from shezhi.common import uploads
from shezhi.common.errors import AppError
from shezhi.lifecircle.extracts import Cancelled, load_extract
from shezhi.places.models import ExtractStatus, OsmExtract

log = logging.getLogger(__name__)


def execute_load(extract_id: int, upload_path: str) -> str:
    """Load a queued extract from its stored upload (callable directly in tests)."""
    extract = OsmExtract.objects.select_related("area").filter(pk=extract_id).first()
    try:
        if extract is None or extract.status != ExtractStatus.LOADING:
            return "not loading"
        try:
            load_extract(Path(upload_path), extract=extract)
        except Cancelled:
            return "cancelled"
        except AppError:
            return "failed"
        except Exception:
            log.exception("OSM extract %s failed to load", extract_id)
            return "failed"
        return "done"
    finally:
        uploads.discard(upload_path)  # the extract keeps its own copy under var/extracts


@task()
def load_extract_task(extract_id: int, upload_path: str) -> str:
    """Load one uploaded extract (queued by :func:`~shezhi.lifecircle.extract_views.extracts`)."""
    return execute_load(extract_id, upload_path)
