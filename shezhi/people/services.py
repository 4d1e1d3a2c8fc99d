"""Writes to the people database. Every write takes ``actor``, checks area and role, keeps
history with the actor as the changer, and writes its audit row in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from shezhi.common.errors import AppError, Problem
from shezhi.common.identifiers import IdentifierError, mobile_validate
from shezhi.common.pii import blind_index, mask_name
from shezhi.people.models import (
    AccessLog,
    Facility,
    Household,
    Organisation,
    Relation,
    ResidenceStatus,
    Resident,
    RevealField,
)
from shezhi.people.permissions import PeoplePermission, has_perm
from shezhi.people.validation import (
    ID_KIND,
    PHONE_KIND,
    CleanResident,
    parse_choice,
    problem,
    resident_clean,
)

if TYPE_CHECKING:
    from shezhi.accounts.models import User
    from shezhi.places.models import Compound


class InvalidPeopleData(AppError):
    """Input that fails validation; nothing was written. ``problems`` name field and reason."""

    def __init__(self, problems: list[Problem], *, status: int = 422) -> None:
        error = AppError.from_problems(problems, lead=("输入有误：", "invalid input: "))
        code = "throttled" if status == 429 else "invalid"
        super().__init__(error.zh, error.message_en, status=status, code=code, problems=problems)


def require(actor: User, perm: PeoplePermission) -> None:
    if not has_perm(actor, perm):
        raise PermissionDenied(perm.value)


def _check_area(actor: User, obj: Household | Resident | Organisation | Facility) -> None:
    """The actor may write only rows they can see; others answer like missing ones."""
    if not type(obj).objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise Http404


def _check_compound(actor: User, compound: Compound) -> None:
    from shezhi.places.models import Compound

    if not Compound.objects.visible_to(actor).filter(pk=compound.pk).exists():
        raise InvalidPeopleData(
            [
                problem(
                    "unknown_compound",
                    "compound",
                    "小区不存在或不在您的辖区",
                    "compound not found in your area",
                )
            ]
        )


# --------------------------------------------------------------------------- households


def household_create(
    *,
    actor: User,
    compound: Compound,
    room: str,
    building: str = "",
    unit: str = "",
    status: str = ResidenceStatus.REGISTERED,
) -> Household:
    require(actor, PeoplePermission.EDIT)
    _check_compound(actor, compound)
    status, p = parse_choice(status, ResidenceStatus, "status", "户籍状态", "residence status")
    problems = [p] if p else []
    if not (room or "").strip():
        problems.append(problem("required", "room", "房号不能为空", "room is required"))
    building, unit, room = (building or "").strip(), (unit or "").strip(), (room or "").strip()
    if Household.objects.filter(compound=compound, building=building, unit=unit, room=room).exists():
        problems.append(
            problem("duplicate", "room", "该地址的户已存在", "a household at this address exists")
        )
    if problems:
        raise InvalidPeopleData(problems)
    household = Household(compound=compound, building=building, unit=unit, room=room, status=status)
    household._history_user = actor  # type: ignore[attr-defined]
    with transaction.atomic():
        household.save()
    return household


def household_update(*, actor: User, household: Household, **changes: Any) -> Household:
    require(actor, PeoplePermission.EDIT)
    _check_area(actor, household)
    problems: list[Problem] = []
    if "status" in changes:
        changes["status"], p = parse_choice(
            changes["status"], ResidenceStatus, "status", "户籍状态", "residence status"
        )
        if p:
            problems.append(p)
    for key in ("building", "unit", "room"):
        if key in changes:
            changes[key] = (changes[key] or "").strip()
    if "room" in changes and not changes["room"]:
        problems.append(problem("required", "room", "房号不能为空", "room is required"))
    if problems:
        raise InvalidPeopleData(problems)
    for key, value in changes.items():
        if key not in {"building", "unit", "room", "status"}:
            raise TypeError(f"cannot change {key}")
        setattr(household, key, value)
    household._history_user = actor  # type: ignore[attr-defined]
    with transaction.atomic():
        household.save()
    return household


# ---------------------------------------------------------------------------- residents


def _apply_clean(resident: Resident, clean: CleanResident) -> None:
    for key, value in vars(clean).items():
        setattr(resident, key, value)


def resident_create(
    *,
    actor: User,
    household: Household,
    name: str,
    id_number: str,
    phone: str = "",
    relation: str = Relation.HEAD,
    tags: str | Iterable[str] = "",
    note: str = "",
) -> Resident:
    require(actor, PeoplePermission.EDIT)
    _check_area(actor, household)
    clean, problems = resident_clean(
        name=name, id_number=id_number, phone=phone, relation=relation, tags=tags
    )
    if clean and (conflict := _id_conflict(actor, clean.id_index)):
        problems.append(conflict)
    if problems or clean is None:
        raise InvalidPeopleData(problems)
    resident = Resident(household=household, note=(note or "").strip())
    _apply_clean(resident, clean)
    resident._history_user = actor  # type: ignore[attr-defined]
    with transaction.atomic():
        resident.save()
    return resident


def resident_update(*, actor: User, resident: Resident, **changes: Any) -> Resident:
    """Change a resident; fields not given keep their value."""
    require(actor, PeoplePermission.EDIT)
    _check_area(actor, resident)
    allowed = {"name", "id_number", "phone", "relation", "tags", "note", "household"}
    if unknown := set(changes) - allowed:
        raise TypeError(f"cannot change {sorted(unknown)}")
    household = changes.get("household", resident.household)
    if household.pk != resident.household_id:
        _check_area(actor, household)
    clean, problems = resident_clean(
        name=changes.get("name", resident.name),
        id_number=changes.get("id_number", resident.id_number),
        phone=changes.get("phone", resident.phone),
        relation=changes.get("relation", resident.relation),
        tags=changes.get("tags", resident.tag_list),
    )
    if clean and (conflict := _id_conflict(actor, clean.id_index, exclude_pk=resident.pk)):
        problems.append(conflict)
    if problems or clean is None:
        raise InvalidPeopleData(problems)
    _apply_clean(resident, clean)
    resident.household = household
    if "note" in changes:
        resident.note = (changes["note"] or "").strip()
    resident._history_user = actor  # type: ignore[attr-defined]
    with transaction.atomic():
        resident.save()
    return resident


MIN_REASON = 4


def _reasonproblem(reason: str) -> Problem | None:
    if len((reason or "").strip()) < MIN_REASON:
        return problem(
            "reason_required",
            "reason",
            f"请填写查看事由（至少 {MIN_REASON} 个字）",
            f"give a reason (at least {MIN_REASON} characters)",
        )
    return None


def actor_area(actor: User) -> tuple[str, str]:
    """The (division code, grid path) of the actor's own area ('' for a superuser bound to none)."""
    if actor.grid_id:
        grid = actor.grid
        return grid.community.code, grid.path  # type: ignore[union-attr]
    return (actor.division.code if actor.division_id else ""), ""  # type: ignore[union-attr]


def access_log_record(
    *,
    actor: User,
    field: str,
    reason: str,
    subject: str,
    rows: int = 1,
    scope: str = "",
    resident: Resident | None = None,
    division_code: str | None = None,
    grid_path: str = "",
) -> AccessLog:
    """Write one row of the access log (个人信息访问记录), the one record of every read.

    ``subject`` and ``scope`` must already be masked: the log itself holds no full ID number
    or phone. Without ``division_code`` the row is filed under the actor's own area.
    """
    if division_code is None:
        division_code, grid_path = actor_area(actor)
    return AccessLog.objects.create(
        actor=actor,
        resident=resident,
        subject=subject[:120],
        field=field,
        reason=reason.strip()[:200],
        rows=rows,
        scope=scope[:200],
        division_code=division_code,
        grid_path=grid_path,
    )


def resident_reveal(*, actor: User, resident: Resident, field: str, reason: str) -> str:
    """The full value of one masked field; writes who, whom, which field, when and why."""
    require(actor, PeoplePermission.REVEAL)
    _check_area(actor, resident)
    if field not in (RevealField.ID_NUMBER, RevealField.PHONE, RevealField.NAME):
        raise InvalidPeopleData(
            [problem("invalid_choice", "field", "不能查看该字段", "field cannot be revealed")]
        )
    if p := _reasonproblem(reason):
        raise InvalidPeopleData([p])
    household = resident.household
    with transaction.atomic():
        access_log_record(
            actor=actor,
            resident=resident,
            subject=mask_name(resident.name),
            field=field,
            reason=reason,
            division_code=household.community.code,
            grid_path=household.grid.path if household.grid_id else "",  # type: ignore[union-attr]
        )
    return str(getattr(resident, field))


def access_log_export(*, actor: User, reason: str, rows: int, plain: bool, scope: str = "") -> AccessLog:
    """Record an export (one row for the whole file): masked ones too, they are still people."""
    require(actor, PeoplePermission.EXPORT_PLAIN if plain else PeoplePermission.VIEW)
    if p := _reasonproblem(reason):
        raise InvalidPeopleData([p])
    with transaction.atomic():
        return access_log_record(
            actor=actor,
            subject="",
            field=RevealField.EXPORT if plain else RevealField.EXPORT_MASKED,
            reason=reason,
            rows=rows,
            scope=scope,
        )


# --------------------------------------------------------------- lookup by ID number or phone

#: Lookups by a full ID number or phone one user may make per hour (each one is a reveal:
#: it tells whether that number belongs to someone in the user's area). The log is the counter.
LOOKUPS_PER_HOUR = 30


def lookups_left(actor: User) -> int:
    """How many lookups by number (or registration conflicts) the actor has left this hour."""
    from django.conf import settings
    from django.utils import timezone

    limit = int(getattr(settings, "PEOPLE_LOOKUPS_PER_HOUR", LOOKUPS_PER_HOUR))
    since = timezone.now() - dt.timedelta(hours=1)
    used = AccessLog.objects.filter(
        actor=actor,
        field__in=[RevealField.LOOKUP, RevealField.REGISTRATION_CONFLICT],
        created_at__gte=since,
    ).count()
    return limit - used


def _lookup_throttle(actor: User) -> None:
    if lookups_left(actor) <= 0:
        raise InvalidPeopleData(
            [
                problem(
                    "throttled",
                    "number",
                    "一小时内按证件号或手机号查找的次数已达上限，请稍后再试",
                    "too many lookups by ID number or phone in the last hour; try again later",
                )
            ],
            status=429,
        )


def resident_lookup(*, actor: User, number: str, reason: str) -> list[Resident]:
    """Residents of the actor's area with this full ID number or mobile number.

    Finding someone by their full number is itself a reveal (it confirms that the number is
    theirs), so only roles that may reveal may do it, with a reason, throttled per user, and
    every lookup is written to the access log with the number masked — found or not.
    """
    from shezhi.common.identifiers import id_number_validate
    from shezhi.common.pii import mask_id_number, mask_phone

    require(actor, PeoplePermission.REVEAL)
    problems = [p] if (p := _reasonproblem(reason)) else []
    raw = (number or "").strip()
    kind = index = masked = ""
    try:
        value = id_number_validate(raw, field="number")
        kind, index, masked = "id_number", blind_index(value, kind=ID_KIND), mask_id_number(value)
    except IdentifierError as id_error:
        try:
            value = mobile_validate(raw, field="number")
            kind, index, masked = "phone", blind_index(value, kind=PHONE_KIND), mask_phone(value)
        except IdentifierError:
            problems.append(
                problem(
                    "invalid_number",
                    "number",
                    "请输入完整的18位身份证号或11位手机号",
                    "enter a full 18-character ID number or 11-digit mobile number",
                )
                if not raw or not any(c.isdigit() for c in raw) or len(raw) < 15
                else id_error.problem
            )
    if problems:
        raise InvalidPeopleData(problems)
    _lookup_throttle(actor)
    qs = Resident.objects.visible_to(actor).select_related("household__compound", "household__grid")
    found = list(qs.filter(**{"id_index" if kind == "id_number" else "phone_index": index}))
    with transaction.atomic():
        access_log_record(
            actor=actor,
            field=RevealField.LOOKUP,
            reason=reason,
            subject=masked,
            rows=len(found),
            scope=kind,
            resident=found[0] if len(found) == 1 else None,
        )
    return found


def _id_conflict(actor: User, id_index: str, *, exclude_pk: int | None = None) -> Problem | None:
    """The problem with registering an ID number that is already on a resident, if it is.

    Inside the actor's area they see that record, so they are told it exists. Elsewhere they
    must not learn it: the answer is a refusal that says nothing about other areas, the
    attempt goes to the access log (the auditor sees who keeps probing) and counts against
    the same hourly limit as lookups, so registration is no faster an oracle than a lookup.
    """
    qs = Resident.objects.filter(id_index=id_index)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    existing = qs.first()
    if existing is None:
        return None
    if Resident.objects.visible_to(actor).filter(pk=existing.pk).exists():
        return problem(
            "duplicate_id",
            "id_number",
            "该身份证号已在您的辖区登记",
            "this ID number is already registered in your area",
        )
    _lookup_throttle(actor)
    with transaction.atomic():
        access_log_record(
            actor=actor,
            field=RevealField.REGISTRATION_CONFLICT,
            reason="resident_create",
            subject="",
            rows=0,
        )
    return ID_NOT_REGISTRABLE


#: The refusal for an ID number that cannot be registered here: the same words whatever the
#: other areas hold (importers use it too).
ID_NOT_REGISTRABLE = Problem(
    code="not_registrable",
    zh="该身份证号暂不能在本辖区登记，请联系街道核实（如系迁入，请办理迁移手续）",
    en="this ID number cannot be registered in your area now; ask the street office to check it "
    "(for someone moving in, request a transfer)",
    field="id_number",
)


def blind_index_rebuild(*, batch: int = 2000) -> int:
    """Recompute every resident's blind indexes (after BLIND_INDEX_KEY changed); no history rows."""
    from django.db.models import QuerySet

    n = 0
    for model in (Resident, Resident.history.model):  # type: ignore[attr-defined]
        qs: QuerySet[Any] = model.objects.order_by("pk")
        last = 0
        while True:
            rows = list(qs.filter(pk__gt=last)[:batch])
            if not rows:
                break
            for r in rows:
                r.id_index = blind_index(r.id_number, kind=ID_KIND)
                r.phone_index = blind_index(r.phone, kind=PHONE_KIND) if r.phone else ""
            with transaction.atomic():
                model.objects.bulk_update(rows, ["id_index", "phone_index"])
            n += len(rows)
            last = rows[-1].pk
    return n


# ------------------------------------------------------------- organisations, facilities


def _place_in_area(actor: User, community_code: str, grid_code: str | None) -> tuple[Any, Any, list[Problem]]:
    """The community and grid an actor may file a record under (their own area only)."""
    from shezhi.places.models import Division, Grid

    problems: list[Problem] = []
    community = grid = None
    if grid_code:
        grid = Grid.objects.visible_to(actor).select_related("community").filter(code=grid_code).first()
        if grid is None:
            problems.append(
                problem("unknown_grid", "grid", "网格不存在或不在您的辖区", "grid not in your area")
            )
        else:
            community = grid.community
    if community is None and not problems:
        community = Division.objects.visible_to(actor).filter(code=community_code, level="community").first()
        if community is None:
            problems.append(
                problem(
                    "unknown_community", "community", "社区不存在或不在您的辖区", "community not in your area"
                )
            )
    if actor.grid_id and grid is None and not problems:
        problems.append(
            problem("required", "grid", "网格员须填写所属网格", "grid workers must give the grid")
        )
    return community, grid, problems


def _organisation_values(
    actor: User,
    *,
    name: str,
    kind: str,
    community_code: str = "",
    grid_code: str | None = None,
    uscc: str = "",
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    exclude_pk: int | None = None,
) -> dict[str, Any]:
    """An organisation's fields, checked; raises :class:`InvalidPeopleData` listing every problem."""
    from shezhi.common.identifiers import uscc_validate
    from shezhi.people.models import OrganisationKind

    community, grid, problems = _place_in_area(actor, community_code, grid_code)
    name = (name or "").strip()
    if not name:
        problems.append(problem("required", "name", "名称不能为空", "name is required"))
    kind, p = parse_choice(kind, OrganisationKind, "kind", "类型", "kind")
    if p:
        problems.append(p)
    code = None
    if (uscc or "").strip():
        try:
            code = uscc_validate(uscc)
        except IdentifierError as exc:
            problems.append(exc.problem)
        else:
            if Organisation.objects.filter(uscc=code).exclude(pk=exclude_pk).exists():
                problems.append(
                    problem("duplicate", "uscc", "该统一社会信用代码已登记", "credit code exists")
                )
    phone = ""
    if (contact_phone or "").strip():
        try:
            phone = mobile_validate(contact_phone, field="contact_phone")
        except IdentifierError as exc:
            problems.append(exc.problem)
    if problems:
        raise InvalidPeopleData(problems)
    return {
        "name": name,
        "kind": kind,
        "uscc": code,
        "community": community,
        "grid": grid,
        "address": (address or "").strip(),
        "contact_name": (contact_name or "").strip(),
        "contact_phone": phone,
    }


def organisation_create(*, actor: User, **fields: Any) -> Organisation:
    """Register an organisation; the 统一社会信用代码 is checked (GB 32100-2015) and unique.

    Fields: ``name``, ``kind``, ``community_code``, ``grid_code``, ``uscc``, ``address``,
    ``contact_name``, ``contact_phone``.
    """
    require(actor, PeoplePermission.EDIT)
    org = Organisation(**_organisation_values(actor, **fields))
    org._history_user = actor  # type: ignore[attr-defined]
    with transaction.atomic():
        org.save()
    return org


def organisation_update(*, actor: User, organisation: Organisation, **fields: Any) -> Organisation:
    """Replace an organisation's fields (as :func:`organisation_create` takes them), in the actor's area.

    Nothing is changed when a field is refused; the old values stay in the history.
    """
    require(actor, PeoplePermission.EDIT)
    _check_area(actor, organisation)
    values = _organisation_values(actor, exclude_pk=organisation.pk, **fields)
    for key, value in values.items():
        setattr(organisation, key, value)
    organisation._history_user = actor  # type: ignore[attr-defined]
    with transaction.atomic():
        organisation.save()
    return organisation


def _facility_values(
    actor: User,
    *,
    name: str,
    category: str,
    level: str,
    lon: float,
    lat: float,
    community_code: str = "",
    grid_code: str | None = None,
    floor_area_m2: float | None = None,
    capacity: int | None = None,
    opening_hours: str = "",
    operator_id: int | None = None,
) -> dict[str, Any]:
    """A facility's fields, checked; raises :class:`InvalidPeopleData` listing every problem."""
    from shezhi.people.models import FacilityCategory, FacilityLevel

    community, grid, problems = _place_in_area(actor, community_code, grid_code)
    if not (name or "").strip():
        problems.append(problem("required", "name", "名称不能为空", "name is required"))
    category, p = parse_choice(category, FacilityCategory, "category", "类别", "category")
    problems += [p] if p else []
    level, p = parse_choice(level, FacilityLevel, "level", "服务层级", "level")
    problems += [p] if p else []
    if not (73 <= lon <= 136 and 3 <= lat <= 54):
        problems.append(
            problem("out_of_china", "lon", "坐标不在中国范围内（应为 WGS-84 经纬度）", "not in China")
        )
    for field, value in (("floor_area_m2", floor_area_m2), ("capacity", capacity)):
        if value is not None and value < 0:
            problems.append(problem("negative", field, "不能为负数", "must not be negative"))
    operator = None
    if operator_id is not None:
        operator = Organisation.objects.visible_to(actor).filter(pk=operator_id).first()
        if operator is None:
            problems.append(
                problem("unknown_operator", "operator", "运营单位不存在或不在辖区", "unknown operator")
            )
    if problems:
        raise InvalidPeopleData(problems)
    return {
        "name": name.strip(),
        "category": category,
        "level": level,
        "community": community,
        "grid": grid,
        "lon": lon,
        "lat": lat,
        "floor_area_m2": floor_area_m2,
        "capacity": capacity,
        "opening_hours": (opening_hours or "").strip(),
        "operator": operator,
    }


def facility_create(*, actor: User, **fields: Any) -> Facility:
    """Register a service element (服务要素) in the actor's area; WGS-84 coordinates.

    Fields: ``name``, ``category``, ``level``, ``lon``, ``lat``, ``community_code``,
    ``grid_code``, ``floor_area_m2``, ``capacity``, ``opening_hours``, ``operator_id``.
    """
    require(actor, PeoplePermission.EDIT)
    facility = Facility(**_facility_values(actor, **fields))
    facility._history_user = actor  # type: ignore[attr-defined]
    with transaction.atomic():
        facility.save()
    return facility


def facility_update(*, actor: User, facility: Facility, **fields: Any) -> Facility:
    """Replace a facility's fields (as :func:`facility_create` takes them), in the actor's area.

    Its source (OSM, an import) is kept, so the record stays traceable; nothing is changed
    when a field is refused, and the old values stay in the history.
    """
    require(actor, PeoplePermission.EDIT)
    _check_area(actor, facility)
    for key, value in _facility_values(actor, **fields).items():
        setattr(facility, key, value)
    facility._history_user = actor  # type: ignore[attr-defined]
    with transaction.atomic():
        facility.save()
    return facility
