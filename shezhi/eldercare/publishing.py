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
    """The outsider's verifier over the served tiles, then the database's copies against them."""
    source = source or logbook.served_source(year)
    report = logbook.verify(year, source=source)
    size = report.checkpoint.size if report.checkpoint else 0
    lines = report.lines()
    ok = report.ok
    if report.checkpoint is not None:
        db_lines = reconcile(year, source, size)
        ok = ok and not db_lines
        lines += db_lines or [f"OK database: the {size} stored copies match the served entries"]
    return VerificationRun.objects.create(
        year=year, ok=ok, size=size, lines=lines, ran_by=actor, ran_at=timezone.now()
    )


def reconcile(year: int, source: Any, size: int, *, limit: int = 20) -> list[str]:
    """FAIL lines where the database's copy of an entry and the served log disagree."""
    from shezhi.eldercare.models import LedgerRecord
    from shezhi.ledger.errors import LedgerError
    from shezhi.ledger.tiles import TileReader

    reader = TileReader(source, size)
    out: list[str] = []
    indexes: set[int] = set()
    for record in LedgerRecord.objects.filter(year=year).order_by("index").iterator():
        indexes.add(record.index)
        if record.index >= size:
            out.append(f"FAIL [database] record {record.index} is not in the served log of size {size}")
            continue
        try:
            served = reader.entry(record.index)
        except LedgerError as exc:
            out.append(f"FAIL [database] entry {record.index}: {exc}")
            continue
        if served != bytes(record.body):
            out.append(f"FAIL [database] entry {record.index}: the stored copy differs from the served entry")
        if len(out) >= limit:
            return out
    missing = sorted(set(range(size)) - indexes)
    if missing:
        out.append(f"FAIL [database] {len(missing)} served entries have no stored copy, first {missing[:5]}")
    return out


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
