"""Publishing the yearly checkpoint (with witness cosignatures) and the auditor's verification."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from shezhi.eldercare import logbook
from shezhi.eldercare.models import PublishedCheckpoint, VerificationRun
from shezhi.ledger import checkpoint as ledger_checkpoint
from shezhi.ledger import note as ledger_note

if TYPE_CHECKING:
    from shezhi.accounts.models import User


def publish_year(year: int, *, trigger: str) -> PublishedCheckpoint | None:
    """Cosign (and, after the year, freeze) the year's log; record what was published."""
    if not logbook.exists(year):
        return None
    raw, _done = logbook.publish(year)
    signed = ledger_checkpoint.open_checkpoint(
        raw, [logbook.signer(year).verifier], [ledger_note.load_verifier(k) for k in logbook.witness_vkeys()]
    )
    return PublishedCheckpoint.objects.create(
        year=year,
        size=signed.size,
        root=logbook.root_b64(signed.root),
        note=raw.decode(),
        witnesses=[{"name": v.name, "time": ts} for v, ts in signed.witnesses],
        trigger=trigger,
        frozen=signed.checkpoint.frozen,
        published_at=timezone.now(),
    )


def ensure_cosigned(year: int) -> None:
    """Publish on demand when the current checkpoint carries no witness cosignature yet."""
    if logbook.exists(year) and not logbook.read_checkpoint(year).witnesses:
        publish_year(year, trigger="demand")


def verify_year(year: int, *, actor: User | None = None, source: Any = None) -> VerificationRun:
    report = logbook.verify(year, source=source)
    size = report.checkpoint.size if report.checkpoint else 0
    return VerificationRun.objects.create(
        year=year, ok=report.ok, size=size, lines=report.lines(), ran_by=actor, ran_at=timezone.now()
    )


def status(year: int) -> dict[str, Any]:
    """What the public checkpoint says now: size, root, log key, witness cosignatures."""
    if not logbook.exists(year):
        return {"year": year, "exists": False, "origin": logbook.origin(year)}
    signed = logbook.read_checkpoint(year)
    return {
        "year": year,
        "exists": True,
        "origin": signed.origin,
        "size": signed.size,
        "root": logbook.root_b64(signed.root),
        "frozen": signed.checkpoint.frozen,
        "log_key": logbook.log_vkey(year),
        "witness_keys": logbook.witness_vkeys(),
        "witnesses": [
            {"name": v.name, "time": dt.datetime.fromtimestamp(ts, tz=dt.UTC)} for v, ts in signed.witnesses
        ],
        "note": signed.raw.decode(),
    }
