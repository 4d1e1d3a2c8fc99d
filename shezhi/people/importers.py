"""Excel (.xlsx) and CSV import of households and residents (报表通：一次填报).

Two steps over the same uploaded file:

* :func:`resident_import_preview` — a dry run: reads the file row by row (openpyxl in
  read-only mode, or the csv module), validates every row, looks each ID number up by its
  blind index, and records every rejected row with its line and reasons (Chinese and
  English) and what would be created or changed. Nothing is written but the batch record.
* :func:`resident_import_confirm` — reads the file again and applies every good row, all or
  nothing. Re-importing the same file changes nothing: residents are matched by the blind
  index of their ID number, households by address.

A confirm of 50,000 rows must not hold the database: on SQLite one writer at a time holds
the whole file, so a single transaction would keep every login, reveal and Open311 report
waiting (and failing with "database is locked") for the length of the import. So rows are
validated and prepared outside any transaction, and each chunk of :data:`CHUNK` rows is
written in its own short transaction; other writers get in between chunks. All-or-nothing
is kept by undo: every history row the batch writes carries its tag (``import:<pk>``), and
:func:`import_batch_undo` deletes what the batch created and restores what it changed from
the history. It runs when a chunk fails (disk full, a constraint) and, through the batch's
lease (shezhi.common.leases), when the process applying it died; the batch then says
``failed`` with the reason. The batch is ``applying`` meanwhile, which the importer sees.

Rows are processed in chunks, so memory stays bounded by the chunk size plus one digest
per ID number seen (for duplicates within the file), whatever the file's length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import receiver
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from shezhi.common import leases, uploads
from shezhi.common.errors import ImportRejected, Problem, RowError
from shezhi.people.models import (
    Household,
    ImportBatch,
    ImportStatus,
    ResidenceStatus,
    Resident,
    RevealField,
)
from shezhi.people.permissions import PeoplePermission
from shezhi.people.readers import read_rows
from shezhi.people.services import (
    ID_NOT_REGISTRABLE,
    access_log_record,
    actor_area,
    lookups_left,
    require,
)
from shezhi.people.validation import CleanResident, parse_choice, resident_clean
from shezhi.places.models import Compound

if TYPE_CHECKING:
    from shezhi.accounts.models import User

CHUNK = 2000
#: The fields an import may change on an existing resident (and undo restores).
RESIDENT_IMPORT_FIELDS = ["name", "phone", "phone_index", "relation", "tags", "note", "household"]


@dataclass
class Plan:
    """What one pass over a file found (dry run) or did (confirm)."""

    total_rows: int = 0
    good_rows: int = 0
    new_residents: int = 0
    updated_residents: int = 0
    unchanged_residents: int = 0
    new_households: int = 0
    #: Rows refused because their ID number is held outside the importer's area.
    conflicts: int = 0
    errors: uploads.RowErrors = field(default_factory=uploads.RowErrors)


@dataclass
class _Row:
    line: int
    compound_id: int
    address: tuple[str, str, str]
    status: str
    clean: CleanResident
    note: str


class _Importer:
    """One pass over an uploaded file for one actor; ``write`` decides dry run or apply."""

    def __init__(
        self, *, actor: User, write: bool, today: dt.date | None = None, tag: str | None = None
    ) -> None:
        self.actor = actor
        self.write = write
        #: Set when confirming a batch: each chunk commits on its own, history rows carry it.
        self.tag = tag
        self.today = today or timezone.localdate()
        self.plan = Plan()
        self.seen: dict[bytes, int] = {}
        self.compounds: dict[str, list[Compound]] = {}
        for c in Compound.objects.visible_to(actor).only("pk", "name", "community_id", "grid_id"):
            self.compounds.setdefault(c.name.strip(), []).append(c)
        self.compound_by_pk = {c.pk: c for cs in self.compounds.values() for c in cs}
        # (compound, building, unit, room) → household pk (or 0 for one a dry run would create)
        self.households: dict[tuple[int, str, str, str], int] = {}
        self.household_status: dict[int, str] = {}
        self.loaded_compounds: set[int] = set()

    # ------------------------------------------------------------------ validation
    def _row(self, line: int, raw: dict[str, str]) -> _Row | RowError:
        problems: list[Problem] = []
        compound_name = raw.get("compound", "").strip()
        compound = None
        if not compound_name:
            problems.append(Problem("required", "小区不能为空", "compound is required", "compound"))
        else:
            matches = self.compounds.get(compound_name, [])
            if not matches:
                problems.append(
                    Problem(
                        "unknown_compound",
                        f"小区「{compound_name}」不存在或不在您的辖区",
                        f"unknown compound {compound_name!r} in your area",
                        "compound",
                    )
                )
            elif len(matches) > 1:
                problems.append(
                    Problem(
                        "ambiguous_compound",
                        f"小区名称「{compound_name}」在您的辖区内不唯一",
                        f"compound name {compound_name!r} is not unique in your area",
                        "compound",
                    )
                )
            else:
                compound = matches[0]
        room = raw.get("room", "").strip()
        if not room:
            problems.append(Problem("required", "房号不能为空", "room is required", "room"))
        status, p = parse_choice(
            raw.get("status") or ResidenceStatus.REGISTERED, ResidenceStatus, "status", "户籍状态", "status"
        )
        if p:
            problems.append(p)
        clean, more = resident_clean(
            name=raw.get("name", ""),
            id_number=raw.get("id_number", ""),
            phone=raw.get("phone", ""),
            relation=raw.get("relation", ""),
            tags=raw.get("tags", ""),
            today=self.today,
        )
        problems += more
        note = raw.get("note", "").strip()
        if len(note) > 200:
            problems.append(Problem("too_long", "备注过长（最多 200 字）", "note too long (200 max)", "note"))
        if clean is not None:
            digest = bytes.fromhex(clean.id_index)[:16]
            if (first := self.seen.get(digest)) is not None:
                problems.append(
                    Problem(
                        "duplicate_in_file",
                        f"身份证号与第 {first} 行重复",
                        f"the same ID number as line {first}",
                        "id_number",
                    )
                )
            else:
                self.seen[digest] = line
        if problems or clean is None or compound is None:
            return RowError(line=line, problems=problems)
        address = (raw.get("building", "").strip(), raw.get("unit", "").strip(), room)
        if any(len(a) > 20 for a in address[1:]) or len(address[0]) > 30:
            return RowError(line=line, problems=[Problem("too_long", "地址过长", "address too long", "room")])
        return _Row(line, compound.pk, address, status, clean, note)

    # ------------------------------------------------------------------ households
    def _load_households(self, compound_ids: set[int]) -> None:
        todo = compound_ids - self.loaded_compounds
        if not todo:
            return
        for pk, cid, building, unit, room, status in Household.objects.filter(
            compound_id__in=todo
        ).values_list("pk", "compound_id", "building", "unit", "room", "status"):
            self.households[(cid, building, unit, room)] = pk
            self.household_status[pk] = status
        self.loaded_compounds |= todo

    def _households_for(self, rows: list[_Row]) -> None:
        self._load_households({r.compound_id for r in rows})
        new: dict[tuple[int, str, str, str], Household] = {}
        changed: dict[int, str] = {}
        for r in rows:
            key = (r.compound_id, *r.address)
            pk = self.households.get(key)
            if pk is None and key not in new:
                compound = self.compound_by_pk[r.compound_id]
                new[key] = Household(
                    compound_id=r.compound_id,
                    community_id=compound.community_id,
                    grid_id=compound.grid_id,
                    building=r.address[0],
                    unit=r.address[1],
                    room=r.address[2],
                    status=r.status,
                )
            elif pk and self.household_status.get(pk) != r.status:
                changed[pk] = r.status
                self.household_status[pk] = r.status
        self.plan.new_households += len(new)
        if not self.write:
            for key in new:
                self.households[key] = 0
            return
        created = bulk_create_with_history(
            list(new.values()),
            Household,
            batch_size=CHUNK,
            default_user=self.actor,
            default_change_reason=self.tag,
        )
        for key, household in zip(new, created, strict=True):
            self.households[key] = household.pk
            self.household_status[household.pk] = household.status
        if changed:
            objs = list(Household.objects.filter(pk__in=changed))
            for h in objs:
                h.status = changed[h.pk]
            bulk_update_with_history(
                objs,
                Household,
                ["status"],
                batch_size=CHUNK,
                default_user=self.actor,
                default_change_reason=self.tag,
            )

    # ------------------------------------------------------------------ residents
    def _chunk(self, rows: list[_Row]) -> None:
        if self.tag is None:
            self._chunk_apply(rows)
            return
        with transaction.atomic():  # one short write transaction per chunk
            self._chunk_apply(rows)

    def _chunk_apply(self, rows: list[_Row]) -> None:
        indexes = [r.clean.id_index for r in rows]
        # Whole rows: history copies every field, and deferred ones would cost a query each.
        existing = {r.id_index: r for r in Resident.objects.filter(id_index__in=indexes)}
        visible = set(
            Resident.objects.visible_to(self.actor)
            .filter(id_index__in=list(existing))
            .values_list("id_index", flat=True)
        )
        accepted: list[_Row] = []
        for r in rows:
            other = existing.get(r.clean.id_index)
            if other is not None and other.id_index not in visible:
                # Worded so it tells nothing about other areas, like the registration form;
                # counted, so the preview logs and throttles them like lookups (no bulk oracle).
                self.plan.errors.add(RowError(line=r.line, problems=[ID_NOT_REGISTRABLE]))
                self.plan.conflicts += 1
                continue
            accepted.append(r)
        self._households_for(accepted)
        new: list[Resident] = []
        changed: list[Resident] = []
        for r in accepted:
            household_id = self.households[(r.compound_id, *r.address)]
            c = r.clean
            values = {
                "name": c.name,
                "phone": c.phone,
                "relation": c.relation,
                "tags": c.tags,
                "note": r.note,
                "household_id": household_id,
            }
            other = existing.get(c.id_index)
            if other is None:
                new.append(
                    Resident(
                        id_number=c.id_number,
                        id_index=c.id_index,
                        sex=c.sex,
                        birth_date=c.birth_date,
                        phone_index=c.phone_index,
                        **values,
                    )
                )
            elif any(getattr(other, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(other, k, v)
                other.phone_index = c.phone_index
                changed.append(other)
            else:
                self.plan.unchanged_residents += 1
        self.plan.good_rows += len(accepted)
        self.plan.new_residents += len(new)
        self.plan.updated_residents += len(changed)
        if self.write:
            bulk_create_with_history(
                new, Resident, batch_size=CHUNK, default_user=self.actor, default_change_reason=self.tag
            )
            if changed:
                bulk_update_with_history(
                    changed,
                    Resident,
                    RESIDENT_IMPORT_FIELDS,
                    batch_size=CHUNK,
                    default_user=self.actor,
                    default_change_reason=self.tag,
                )

    def run(self, rows: Iterator[tuple[int, dict[str, str]]]) -> Plan:
        chunk: list[_Row] = []
        for line, raw in rows:
            self.plan.total_rows += 1
            result = self._row(line, raw)
            if isinstance(result, RowError):
                self.plan.errors.add(result)
                continue
            chunk.append(result)
            if len(chunk) >= CHUNK:
                self._chunk(chunk)
                chunk = []
        if chunk:
            self._chunk(chunk)
        return self.plan


def import_batches_expire(cutoff: dt.datetime | None = None) -> int:
    """Cancel previews older than the upload lifetime and delete their stored files."""
    if cutoff is None:
        cutoff = timezone.now() - dt.timedelta(seconds=uploads.limit("LIFETIME_SECONDS"))
    stale = ImportBatch.objects.filter(status=ImportStatus.PREVIEWED, created_at__lt=cutoff)
    n = 0
    for batch in stale:
        uploads.discard(batch.stored_path)
        n += ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(
            status=ImportStatus.CANCELLED
        )
    return n


@receiver(uploads.uploads_expiring)
def _expire_batches(sender: object, cutoff: dt.datetime, **kwargs: object) -> None:
    import_batches_expire(cutoff)


def resident_import_dry_run(*, actor: User, path: Path, filename: str) -> Plan:
    """Validate a file without writing anything (also used by the benchmark and the CLI)."""
    return _Importer(actor=actor, write=False).run(read_rows(path, filename))


def resident_import_apply(*, actor: User, path: Path, filename: str) -> Plan:
    """Apply every good row of a file in one transaction."""
    with transaction.atomic():
        return _Importer(actor=actor, write=True).run(read_rows(path, filename))


def resident_import_preview(*, actor: User, upload: IO[bytes], filename: str) -> ImportBatch:
    """Store the upload and dry-run it; :class:`ImportRejected` if the file itself is unusable."""
    require(actor, PeoplePermission.IMPORT)
    stored = uploads.store(upload, filename)
    path, sha = stored.path, stored.sha256
    try:
        plan = resident_import_dry_run(actor=actor, path=path, filename=filename)
        if plan.conflicts:
            _log_conflicts(actor, plan.conflicts, filename)
    except BaseException:
        stored.discard()
        raise
    import_batches_expire()
    return ImportBatch.objects.create(
        actor=actor,
        division_code=actor_area(actor)[0],
        filename=filename[:200],
        stored_path=str(path),
        sha256=sha,
        total_rows=plan.total_rows,
        good_rows=plan.good_rows,
        new_residents=plan.new_residents,
        updated_residents=plan.updated_residents,
        unchanged_residents=plan.unchanged_residents,
        new_households=plan.new_households,
        errors=[e.as_dict() for e in plan.errors.report()],
    )


def _log_conflicts(actor: User, conflicts: int, filename: str) -> None:
    """Rows whose ID number is held elsewhere tell that much, so a file may hold no more of
    them than the user's lookups left this hour, and they go to the access log like lookups."""
    over = conflicts > lookups_left(actor)
    with transaction.atomic():
        access_log_record(
            actor=actor,
            field=RevealField.REGISTRATION_CONFLICT,
            reason="resident_import",
            subject="",
            rows=conflicts,
            scope=filename[:120],
        )
    if over:
        raise ImportRejected(
            [
                RowError(
                    line=0,
                    problems=[
                        Problem(
                            "too_many_conflicts",
                            "本文件中需街道核实的身份证号过多，请联系街道统一核实后再导入",
                            "too many ID numbers in this file need the street office to check "
                            "them; ask it to verify them before importing",
                            "file",
                        )
                    ],
                )
            ]
        )


class BatchClosed(Exception):
    """The batch was already applied or cancelled."""


def batch_tag(batch: ImportBatch) -> str:
    """The change reason on every history row a confirm writes (what undo looks for)."""
    return f"import:{batch.pk}"


def resident_import_confirm(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """Apply the good rows of a previewed batch, all or nothing, then delete the stored file.

    Chunks commit one by one (others can write in between); if one fails, everything the
    batch wrote is undone and the batch is marked failed with the reason, then the error is
    raised again.
    """
    require(actor, PeoplePermission.IMPORT)
    if batch.actor_id != actor.pk:
        raise PermissionError("not your batch")
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportStatus.PREVIEWED:
            raise BatchClosed(locked.status)
        path = Path(locked.stored_path)
        if not path.exists():  # expired and swept: nothing to apply
            raise BatchClosed(ImportStatus.CANCELLED)
        locked.status = ImportStatus.APPLYING
        locked.lease_expires_at = leases.lease_until()
        locked.save(update_fields=["status", "lease_expires_at"])
    mine = ImportBatch.objects.filter(pk=locked.pk, status=ImportStatus.APPLYING)

    def renew() -> bool:
        return mine.update(lease_expires_at=leases.lease_until()) == 1

    importer = _Importer(actor=actor, write=True, tag=batch_tag(locked))
    try:
        if transaction.get_connection().in_atomic_block:
            plan = importer.run(read_rows(path, locked.filename))
        else:
            with leases.Heartbeat(renew):
                plan = importer.run(read_rows(path, locked.filename))
    except BaseException as exc:
        import_batch_undo(locked, reason=f"{type(exc).__name__}: {exc}"[:500])
        raise
    with transaction.atomic():
        locked.status = ImportStatus.APPLIED
        locked.applied_at = timezone.now()
        locked.lease_expires_at = None
        locked.total_rows, locked.good_rows = plan.total_rows, plan.good_rows
        locked.new_residents, locked.updated_residents = plan.new_residents, plan.updated_residents
        locked.unchanged_residents, locked.new_households = plan.unchanged_residents, plan.new_households
        locked.errors = [e.as_dict() for e in plan.errors.report()]
        locked.save()
    uploads.discard(path)
    return locked


def _undo(model: type[Household] | type[Resident], tag: str, fields: list[str]) -> int:
    """Delete the rows ``tag`` created and put back the fields it changed, from the history."""
    history = model.history.model  # type: ignore[attr-defined]
    touched: QuerySet = history.objects.filter(history_change_reason=tag)
    created = set(touched.filter(history_type="+").values_list("id", flat=True))
    restored = 0
    changed_ids = set(touched.filter(history_type="~").values_list("id", flat=True)) - created
    for pk in changed_ids:
        first_change = touched.filter(id=pk, history_type="~").order_by("history_id").first()
        before = (
            history.objects.filter(id=pk, history_id__lt=first_change.history_id)
            .order_by("-history_id")
            .first()
        )
        obj = model.objects.filter(pk=pk).first()
        if before is None or obj is None:
            continue
        for name in fields:
            attname = model._meta.get_field(name).attname
            setattr(obj, attname, getattr(before, attname))
        obj._change_reason = f"{tag}:undo"  # type: ignore[union-attr]
        obj.save()
        restored += 1
    ids = list(created)
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            model.objects.filter(pk__in=ids[start : start + CHUNK]).delete()
    return len(created) + restored


def import_batch_undo(batch: ImportBatch, *, reason: str) -> int:
    """Undo everything a confirm of ``batch`` wrote and mark it failed with ``reason``."""
    tag = batch_tag(batch)
    undone = _undo(Resident, tag, RESIDENT_IMPORT_FIELDS)
    undone += _undo(Household, tag, ["status"])
    ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.APPLYING).update(
        status=ImportStatus.FAILED,
        lease_expires_at=None,
        failure=f"导入中断，已撤销已写入的 {undone} 条记录：{reason}"[:2000],
    )
    uploads.discard(batch.stored_path)
    return undone


def _expired_batches(now: dt.datetime) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(status=ImportStatus.APPLYING, lease_expires_at__lt=now)


def import_batches_reap(now: dt.datetime) -> int:
    """Undo the confirms whose process died (their lease expired); the clock calls this."""
    n = 0
    for batch in _expired_batches(now):
        import_batch_undo(batch, reason="处理导入的进程已退出（租约过期）")
        n += 1
    return n


IMPORTS = leases.LeasedWork(
    name="people_imports", expired=lambda now: _expired_batches(now).count(), reap=import_batches_reap
)


def resident_import_cancel(*, actor: User, batch: ImportBatch) -> ImportBatch:
    require(actor, PeoplePermission.IMPORT)
    if batch.actor_id != actor.pk:
        raise PermissionError("not your batch")
    updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.CANCELLED
    )
    if updated:
        uploads.discard(batch.stored_path)
    batch.refresh_from_db()
    return batch
