"""Writes of elderly services. Each decision writes its rows and its log entry in one
transaction; the log append (the one sequencer, under its file lock) is the last step, so
a refused decision appends nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from shezhi.accounts.roles import Role
from shezhi.common.errors import AppError, Problem
from shezhi.common.images import photo_clean
from shezhi.common.pii import blind_index
from shezhi.eldercare import logbook, policy
from shezhi.eldercare.models import (
    SIGNAL_WEIGHTS,
    Appeal,
    AppealStatus,
    Certification,
    CertMethod,
    CertState,
    CheckIn,
    Elder,
    ElderStatus,
    ExitReason,
    LedgerRecord,
    Reminder,
    Signal,
    SignalKind,
)
from shezhi.eldercare.permissions import ElderPermission, has_perm
from shezhi.people.models import Resident, TagSet

if TYPE_CHECKING:
    from shezhi.accounts.models import User
    from shezhi.places.models import Compound

CODE_KIND = "eldercare-code"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 12  # 60 bits


class Refused(AppError):
    """A decision refused with a precise reason; nothing was written or appended."""

    def __init__(self, code: str, zh: str, en: str, *, status: int = 422, field: str = "") -> None:
        super().__init__(
            zh, en, status=status, code=code, problems=[Problem(code, zh, en, field)] if field else []
        )


def require(actor: User | None, perm: ElderPermission) -> None:
    if not has_perm(actor, perm):
        raise PermissionDenied(perm.value)


def elder_visible(actor: User, pk: int) -> Elder:
    """The elder of ``pk`` if the actor's area holds them; another area's answers 404."""
    return Elder.objects.select_related("resident", "community", "grid").get_visible_or_404(actor, pk=pk)


def _role(actor: User | None) -> str:
    if actor is None:
        return "system"
    return "superuser" if actor.is_superuser and not actor.role else str(actor.role)


def commitment(salt: str, id_index: str) -> str:
    """The salted commitment the log carries instead of the person (SHA-256, hex)."""
    return hashlib.sha256(
        b"shezhi/eldercare/person/v1\n" + bytes.fromhex(salt) + id_index.encode()
    ).hexdigest()


# ------------------------------------------------------------------------------ the log
def _append(items: list[tuple[Elder | None, str, bytes]], when: dt.datetime) -> list[LedgerRecord]:
    """Append entries to the year's log and keep their copies; call inside the transaction."""
    if not items:
        return []
    year = logbook.year_of(when)
    first = logbook.append(year, [body for _, _, body in items])
    records = []
    for i, (elder, event, body) in enumerate(items):
        records.append(
            LedgerRecord.objects.create(
                year=year,
                index=first + i,
                event=event,
                elder=elder,
                area_code=elder.community.code if elder else "",
                grid_path=elder.grid.path if elder and elder.grid_id else "",  # type: ignore[union-attr]
                body=body,
                created_at=when,
            )
        )
    return records


def _entry(elder: Elder, event: str, when: dt.datetime, actor: User | None, rule: str, **extra: Any) -> bytes:
    return logbook.entry_bytes(
        event=event,
        person=elder.commitment,
        area=elder.community.code,
        rule=rule,
        when=when,
        actor=_role(actor),
        **extra,
    )


# ------------------------------------------------------------------------------ eligibility
def eligible_tier(resident: Resident, day: dt.date) -> policy.Tier | None:
    """The allowance tier ``resident`` qualifies for on ``day``, from the validated ID number's
    birth date (stored at registration), residence status and tags; None if not eligible."""
    if resident.household.status not in policy.eligible_statuses():
        return None
    if set(TagSet.decode(resident.tags)) & policy.excluded_tags():
        return None
    return policy.tier_for(policy.age_on(resident.birth_date, day))


@dataclass
class RollReport:
    entered: list[int] = field(default_factory=list)
    exited: list[int] = field(default_factory=list)
    retiered: list[int] = field(default_factory=list)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def eligibility_scan(
    *, now: dt.datetime | None = None, actor: User | None = None, residents: Iterable[Resident] | None = None
) -> RollReport:
    """Decide eligibility: new entrants, moves out of the community, tier changes (birthdays).

    Run monthly by the clock (and on demand by the community); ``actor`` scopes it to an area.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = RollReport()
    if residents is None:
        qs = Resident.objects.all() if actor is None else Resident.objects.visible_to(actor)
        residents = qs.filter(birth_date__lte=_years_before(today, policy.min_age())).select_related(
            "household__community", "household__grid"
        )
    entries: list[tuple[Elder, str, bytes]] = []
    with transaction.atomic():
        for r in residents:
            tier = eligible_tier(r, today)
            elder = Elder.objects.filter(resident=r).select_related("community", "grid").first()
            if tier is None:
                continue
            if elder is None:
                salt = secrets.token_hex(16)
                elder = Elder.objects.create(
                    resident=r,
                    community=r.household.community,
                    grid=r.household.grid,
                    tier=tier.code,
                    monthly_yuan=tier.monthly_yuan,
                    enrolled_on=today,
                    cert_due=today + dt.timedelta(days=policy.first_due_days()),
                    cert_state=CertState.CURRENT,
                    salt=salt,
                    commitment=commitment(salt, r.id_index),
                    synthetic=r.synthetic,
                )
                entries.append(
                    (
                        elder,
                        "eligibility",
                        _entry(
                            elder,
                            "eligibility",
                            now,
                            actor,
                            policy.ELIGIBILITY_RULE,
                            decision="enter",
                            tier=tier.code,
                        ),
                    )
                )
                report.entered.append(elder.pk)
            elif elder.status == ElderStatus.EXITED and elder.exit_reason != ExitReason.DEATH:
                Elder.objects.filter(pk=elder.pk).update(
                    status=ElderStatus.ELIGIBLE,
                    exited_on=None,
                    exit_reason="",
                    community=r.household.community,
                    grid=r.household.grid,
                    tier=tier.code,
                    monthly_yuan=tier.monthly_yuan,
                    enrolled_on=today,
                    cert_due=today + dt.timedelta(days=policy.first_due_days()),
                    cert_state=CertState.CURRENT,
                )
                elder.refresh_from_db()
                entries.append(
                    (
                        elder,
                        "eligibility",
                        _entry(
                            elder,
                            "eligibility",
                            now,
                            actor,
                            policy.ELIGIBILITY_RULE,
                            decision="enter",
                            tier=tier.code,
                        ),
                    )
                )
                report.entered.append(elder.pk)
            elif elder.status != ElderStatus.EXITED and elder.tier != tier.code:
                Elder.objects.filter(pk=elder.pk).update(tier=tier.code, monthly_yuan=tier.monthly_yuan)
                entries.append(
                    (
                        elder,
                        "eligibility",
                        _entry(
                            elder,
                            "eligibility",
                            now,
                            actor,
                            policy.ELIGIBILITY_RULE,
                            decision="tier",
                            tier=tier.code,
                        ),
                    )
                )
                report.retiered.append(elder.pk)
        # Moves: an elder whose household is no longer in the community they are paid in.
        enrolled = Elder.objects.exclude(status=ElderStatus.EXITED).select_related(
            "resident__household", "community", "grid"
        )
        if actor is not None:
            enrolled = enrolled.filter(pk__in=Elder.objects.visible_to(actor).values("pk"))
        for elder in enrolled:
            moved = elder.resident.household.community_id != elder.community_id
            if moved or eligible_tier(elder.resident, today) is None:
                reason = ExitReason.MOVED_OUT if moved else ExitReason.INELIGIBLE
                entries.append(_exit(elder, reason, now, actor))
                report.exited.append(elder.pk)
        _append(entries, now)  # type: ignore[arg-type]
    return report


def _exit(elder: Elder, reason: str, when: dt.datetime, actor: User | None) -> tuple[Elder, str, bytes]:
    Elder.objects.filter(pk=elder.pk).update(
        status=ElderStatus.EXITED, exited_on=timezone.localdate(when), exit_reason=reason
    )
    return (
        elder,
        "eligibility",
        _entry(elder, "eligibility", when, actor, policy.ELIGIBILITY_RULE, decision="exit", reason=reason),
    )


def elder_exit(*, actor: User, elder: Elder, reason: str, now: dt.datetime | None = None) -> LedgerRecord:
    """Take a person off the roll (death, moving out), as a worker of their area."""
    require(actor, ElderPermission.CERTIFY)
    elder = elder_visible(actor, elder.pk)
    if reason not in ExitReason.values:
        raise Refused("invalid_choice", "退出原因无效", "unknown exit reason", field="reason")
    if elder.status == ElderStatus.EXITED:
        raise Refused("already_exited", "此人已退出名册", "this person has already left the roll", status=409)
    now = now or timezone.now()
    with transaction.atomic():
        return _append([_exit(elder, reason, now, actor)], now)[0]


def person_code_issue(*, actor: User, elder: Elder) -> str:
    """A new person's code (本人认证码) for the person and family; shown once, stored as an HMAC."""
    require(actor, ElderPermission.CERTIFY)
    elder = elder_visible(actor, elder.pk)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    Elder.objects.filter(pk=elder.pk).update(code_index=blind_index(code, kind=CODE_KIND))
    return code


def normalise_code(code: str) -> str:
    return "".join(c for c in (code or "").upper() if c.isalnum())


def elder_by_code(code: str) -> Elder | None:
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    return (
        Elder.objects.select_related("resident", "community", "grid")
        .filter(code_index=blind_index(code, kind=CODE_KIND))
        .exclude(code_index="")
        .first()
    )


# ------------------------------------------------------------------------------ certification
def _certify(
    elder: Elder,
    *,
    method: str,
    now: dt.datetime,
    actor: User | None,
    rule: str = policy.CERT_RULE,
    signals: list[Signal] | None = None,
    photo: Any = None,
    lon: float | None = None,
    lat: float | None = None,
) -> Certification:
    year = timezone.localdate(now).year
    if elder.status == ElderStatus.EXITED:
        raise Refused("exited", "此人已退出名册，不能认证", "this person has left the roll", status=409)
    if Certification.objects.filter(elder=elder, year=year).exists():
        raise Refused(
            "duplicate_certification",
            f"此人 {year} 年度已经认证，不能重复认证",
            f"this person is already certified for {year}",
            status=409,
        )
    signals = signals or []
    extra: dict[str, Any] = {"method": method, "year": year}
    if signals:
        extra["signals"] = [[s.record.year, s.record.index] for s in signals]
    items = [(elder, "certification", _entry(elder, "certification", now, actor, rule, **extra))]
    reinstated = elder.status == ElderStatus.SUSPENDED
    if reinstated:
        items.append(
            (elder, "reinstatement", _entry(elder, "reinstatement", now, actor, rule, method=method))
        )
    today = timezone.localdate(now)
    updated = Elder.objects.filter(pk=elder.pk, status=elder.status).update(
        status=ElderStatus.ELIGIBLE,
        last_certified_on=today,
        cert_due=policy.next_due(today),
        cert_state=CertState.CURRENT,
    )
    if updated != 1:
        raise Refused(
            "changed", "记录已被他人修改，请刷新后重试", "the record changed meanwhile; reload", status=409
        )
    records = _append(items, now)
    cert = Certification.objects.create(
        elder=elder,
        year=year,
        method=method,
        certified_at=now,
        actor=actor,
        actor_role=_role(actor),
        lon=lon,
        lat=lat,
        rule_version=rule,
        record=records[0],
    )
    if photo is not None:
        cert.photo.save(photo.name, photo, save=True)
    if signals:
        cert.signals.set(signals)
    return cert


def certify(
    *,
    actor: User,
    elder_pk: int,
    method: str,
    now: dt.datetime | None = None,
    photo: Any = None,
    lon: float | None = None,
    lat: float | None = None,
) -> Certification:
    """A worker's certification: a visit (photo and geotag required) or at the service centre."""
    require(actor, ElderPermission.CERTIFY)
    elder = elder_visible(actor, elder_pk)  # outside the area: 404, nothing appended
    now = now or timezone.now()
    if method not in (CertMethod.VISIT, CertMethod.CENTRE):
        raise Refused("invalid_choice", "认证方式无效", "method must be visit or centre", field="method")
    clean = None
    if method == CertMethod.VISIT:
        problems: list[Problem] = []
        if photo is None:
            problems.append(Problem("photo_required", "上门认证须拍摄照片", "a visit needs a photo", "photo"))
        else:
            clean, bad = photo_clean(photo)
            problems += bad
        if lon is None or lat is None or not (73 <= lon <= 136 and 3 <= lat <= 54):
            problems.append(
                Problem(
                    "geotag_required",
                    "上门认证须带定位（经纬度）",
                    "a visit needs its location (lon, lat)",
                    "lon",
                )
            )
        if problems:
            raise AppError.from_problems(
                problems, status=422, code="invalid", lead=("输入有误：", "invalid input: ")
            )
    with transaction.atomic():
        elder = (
            Elder.objects.select_for_update(of=("self",)).select_related("community", "grid").get(pk=elder.pk)
        )
        return _certify(elder, method=method, now=now, actor=actor, photo=clean, lon=lon, lat=lat)


def self_certify(*, code: str, now: dt.datetime | None = None) -> Certification:
    """The person or family certifies through the resident page with the person's code."""
    elder = elder_by_code(code)
    if elder is None:
        raise Refused("unknown_code", "认证码不正确", "the person's code is not valid", field="code")
    now = now or timezone.now()
    with transaction.atomic():
        elder = (
            Elder.objects.select_for_update(of=("self",)).select_related("community", "grid").get(pk=elder.pk)
        )
        return _certify(elder, method=CertMethod.SELF, now=now, actor=None)


# ------------------------------------------------------------------------------ passive
def signal_record(
    *,
    actor: User | None,
    elder_pk: int,
    kind: str,
    observed_at: dt.datetime,
    source: str,
    ref: str = "",
    weight: int | None = None,
    now: dt.datetime | None = None,
) -> Signal:
    """Record a sign of life; it goes into the log, then the passive rule is evaluated."""
    now = now or timezone.now()
    if actor is not None:
        require(actor, ElderPermission.CERTIFY)
        elder = Elder.objects.visible_to(actor).filter(pk=elder_pk).first()
    else:
        elder = Elder.objects.filter(pk=elder_pk).first()
    if elder is None:
        raise Refused(
            "unknown_person",
            "没有这位老人（或不在您的辖区）",
            "no such person in your area",
            status=404,
            field="elder",
        )
    if kind not in SignalKind.values:
        raise Refused("invalid_choice", "信号类型无效", "unknown signal kind", field="kind")
    if observed_at > now + dt.timedelta(minutes=5):
        raise Refused(
            "future", "信号时间不能晚于现在", "a signal cannot be in the future", field="observed_at"
        )
    if elder.status == ElderStatus.EXITED:
        raise Refused("exited", "此人已退出名册", "this person has left the roll", status=409)
    if ref and Signal.objects.filter(elder=elder, kind=kind, ref=ref).exists():
        raise Refused(
            "duplicate_signal", "该信号已记录", "this signal is already recorded", status=409, field="ref"
        )
    weight = SIGNAL_WEIGHTS[SignalKind(kind)] if weight is None else int(weight)
    with transaction.atomic():
        elder = (
            Elder.objects.select_for_update(of=("self",)).select_related("community", "grid").get(pk=elder.pk)
        )
        body = _entry(
            elder,
            "signal",
            now,
            actor,
            policy.passive_rule().version,
            kind=kind,
            weight=weight,
            observed=logbook.utc_stamp(observed_at),
            source=source.split(":")[0],
        )
        record = _append([(elder, "signal", body)], now)[0]
        signal = Signal.objects.create(
            elder=elder,
            kind=kind,
            source=source[:60],
            ref=ref[:60],
            observed_at=observed_at,
            weight=weight,
            recorded_by=actor,
            record=record,
        )
        passive_evaluate(elder=elder, now=now)
    return signal


def _independent(signals: list[Signal], rule: policy.PassiveRule) -> list[Signal] | None:
    """The signals a rule relies on: the latest of each kind, newest first, if they suffice."""
    by_kind: dict[str, Signal] = {}
    for s in signals:  # newest first
        by_kind.setdefault(s.kind, s)
    chosen = list(by_kind.values())
    if len(chosen) < rule.min_kinds:
        return None
    extra = [s for s in signals if s not in chosen]
    while len(chosen) < rule.min_signals and extra:
        chosen.append(extra.pop(0))
    if len(chosen) < rule.min_signals or sum(s.weight for s in chosen) < rule.min_weight:
        return None
    return chosen


def passive_evaluate(*, elder: Elder, now: dt.datetime) -> Certification | None:
    """无感认证: certify without a visit when the rule set's signals are there.

    Only for a person who is due (reminded) or overdue and not yet certified this year; a
    suspended allowance comes back only by a visit, the centre, the person, or an appeal."""
    if elder.status != ElderStatus.ELIGIBLE or elder.cert_state not in (
        CertState.REMINDED,
        CertState.OVERDUE,
    ):
        return None
    if Certification.objects.filter(elder=elder, year=timezone.localdate(now).year).exists():
        return None
    rule = policy.passive_rule()
    recent = list(
        Signal.objects.filter(
            elder=elder, observed_at__gt=now - dt.timedelta(days=rule.window_days), observed_at__lte=now
        )
        .select_related("record")
        .order_by("-observed_at", "-id")
    )
    chosen = _independent(recent, rule)
    if chosen is None:
        return None
    return _certify(elder, method=CertMethod.PASSIVE, now=now, actor=None, rule=rule.version, signals=chosen)


# ------------------------------------------------------------------------------ deadlines
@dataclass
class ScanReport:
    reminded: int = 0
    overdue: int = 0
    suspended: int = 0
    passive: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "reminded": self.reminded,
            "overdue": self.overdue,
            "suspended": self.suspended,
            "passive": self.passive,
        }


def _claim(elder: Elder, old: str, new: str) -> bool:
    """Compare-and-swap: only the scan whose update changed the row acts on it."""
    return (
        Elder.objects.filter(
            pk=elder.pk, cert_state=old, cert_due=elder.cert_due, status=ElderStatus.ELIGIBLE
        ).update(cert_state=new)
        == 1
    )


def deadline_scan(*, now: dt.datetime | None = None) -> ScanReport:
    """Reminders before the due date, overdue after it, suspension after the grace period."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = ScanReport()
    live = Elder.objects.filter(status=ElderStatus.ELIGIBLE).select_related("community", "grid")
    for elder in live.filter(
        cert_state=CertState.CURRENT, cert_due__lte=today + dt.timedelta(days=policy.remind_days())
    ):
        with transaction.atomic():
            if _claim(elder, CertState.CURRENT, CertState.REMINDED):
                Reminder.objects.create(
                    elder=elder, kind=CertState.REMINDED, due=elder.cert_due, created_at=now
                )
                report.reminded += 1
    # Signals already held may certify passively before anything goes overdue.
    for elder in live.filter(cert_state__in=[CertState.REMINDED, CertState.OVERDUE]):
        with transaction.atomic():
            locked = (
                Elder.objects.select_for_update(of=("self",))
                .select_related("community", "grid")
                .get(pk=elder.pk)
            )
            if passive_evaluate(elder=locked, now=now):
                report.passive += 1
    for elder in live.filter(cert_state=CertState.REMINDED, cert_due__lt=today):
        with transaction.atomic():
            if _claim(elder, CertState.REMINDED, CertState.OVERDUE):
                Reminder.objects.create(
                    elder=elder, kind=CertState.OVERDUE, due=elder.cert_due, created_at=now
                )
                report.overdue += 1
    for elder in live.filter(
        cert_state=CertState.OVERDUE, cert_due__lt=today - dt.timedelta(days=policy.grace_days())
    ):
        with transaction.atomic():
            claimed = (
                Elder.objects.filter(
                    pk=elder.pk,
                    cert_state=CertState.OVERDUE,
                    cert_due=elder.cert_due,
                    status=ElderStatus.ELIGIBLE,
                ).update(cert_state=CertState.SUSPENDED, status=ElderStatus.SUSPENDED)
                == 1
            )
            if claimed:
                body = _entry(
                    elder,
                    "suspension",
                    now,
                    None,
                    policy.CERT_RULE,
                    reason="unconfirmed",
                    due=elder.cert_due.isoformat(),
                )
                _append([(elder, "suspension", body)], now)
                report.suspended += 1
    return report


# ------------------------------------------------------------------------------ appeals
def appeal_file(*, actor: User, elder_pk: int, reason: str, now: dt.datetime | None = None) -> Appeal:
    """A manual appeal (against a suspension, or disputing a passive certification)."""
    require(actor, ElderPermission.CERTIFY)
    elder = elder_visible(actor, elder_pk)
    if len((reason or "").strip()) < 4:
        raise Refused(
            "reason_required",
            "请填写申诉理由（至少 4 个字）",
            "give a reason (at least 4 characters)",
            field="reason",
        )
    if elder.appeals.filter(status=AppealStatus.OPEN).exists():
        raise Refused("appeal_open", "已有待复核的申诉", "an appeal is already open", status=409)
    now = now or timezone.now()
    with transaction.atomic():
        appeal = Appeal.objects.create(elder=elder, reason=reason.strip()[:300], filed_by=actor, filed_at=now)
        _append(
            [
                (
                    elder,
                    "appeal",
                    _entry(elder, "appeal", now, actor, policy.CERT_RULE, decision="filed", appeal=appeal.pk),
                )
            ],
            now,
        )
    return appeal


def appeal_decide(
    *, actor: User, appeal_pk: int, upheld: bool, note: str = "", now: dt.datetime | None = None
) -> Appeal:
    """Decide an appeal; an upheld appeal of a suspended person reinstates (and certifies) them."""
    require(actor, ElderPermission.DECIDE)
    appeal = Appeal.objects.select_related("elder").get_visible_or_404(actor, pk=appeal_pk)
    if appeal.status != AppealStatus.OPEN:
        raise Refused("appeal_decided", "该申诉已复核", "this appeal has already been decided", status=409)
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Appeal.objects.filter(pk=appeal.pk, status=AppealStatus.OPEN).update(
            status=AppealStatus.UPHELD if upheld else AppealStatus.REJECTED,
            decided_by=actor,
            decided_at=now,
            decision_note=note[:300],
        )
        if claimed != 1:
            raise Refused(
                "appeal_decided", "该申诉已复核", "this appeal has already been decided", status=409
            )
        elder = (
            Elder.objects.select_for_update(of=("self",))
            .select_related("community", "grid")
            .get(pk=appeal.elder_id)
        )
        decision = "upheld" if upheld else "rejected"
        _append(
            [
                (
                    elder,
                    "appeal",
                    _entry(
                        elder, "appeal", now, actor, policy.CERT_RULE, decision=decision, appeal=appeal.pk
                    ),
                )
            ],
            now,
        )
        year = timezone.localdate(now).year
        if upheld and elder.status == ElderStatus.SUSPENDED:
            if Certification.objects.filter(elder=elder, year=year).exists():
                Elder.objects.filter(pk=elder.pk).update(
                    status=ElderStatus.ELIGIBLE, cert_state=CertState.CURRENT
                )
                _append(
                    [
                        (
                            elder,
                            "reinstatement",
                            _entry(elder, "reinstatement", now, actor, policy.CERT_RULE, method="appeal"),
                        )
                    ],
                    now,
                )
            else:
                _certify(elder, method=CertMethod.APPEAL, now=now, actor=actor)
    appeal.refresh_from_db()
    return appeal


# ------------------------------------------------------------------------------ 社区报到
def checkin_register(
    *,
    actor: User,
    compound: Compound,
    name: str,
    from_place: str,
    arrived_on: dt.date,
    phone: str = "",
    code: str = "",
    now: dt.datetime | None = None,
) -> CheckIn:
    """Register an arrival in a compound of the actor's community; with a person's code the
    check-in is also a passive-certification signal for that person."""
    from shezhi.common.identifiers import IdentifierError, mobile_validate
    from shezhi.places.models import Compound as CompoundModel

    require(actor, ElderPermission.CHECK_IN)
    now = now or timezone.now()
    problems: list[Problem] = []
    community = actor.grid.community if actor.grid_id else actor.division  # type: ignore[union-attr]
    own = CompoundModel.objects.filter(pk=compound.pk, community=community)
    if actor.role != Role.RESIDENT:
        own = CompoundModel.objects.visible_to(actor).filter(pk=compound.pk)
    if not own.exists():
        problems.append(
            Problem(
                "unknown_compound",
                "小区不存在或不在本社区",
                "compound not found in your community",
                "compound",
            )
        )
    if not 1 <= len((name or "").strip()) <= 64:
        problems.append(Problem("required", "请填写姓名", "give the name", "name"))
    if not 1 <= len((from_place or "").strip()) <= 120:
        problems.append(Problem("required", "请填写从何处来", "say where from", "from_place"))
    if arrived_on > timezone.localdate(now) or arrived_on < timezone.localdate(now) - dt.timedelta(days=366):
        problems.append(
            Problem(
                "bad_date",
                "到达日期须在过去一年内且不晚于今天",
                "the arrival date must be within the past year",
                "arrived_on",
            )
        )
    if phone:
        try:
            phone = mobile_validate(phone)
        except IdentifierError as exc:
            problems.append(Problem(exc.problem.code, exc.problem.zh, exc.problem.en, "phone"))
    elder = None
    if code:
        elder = elder_by_code(code)
        if elder is None or elder.community_id != compound.community_id:
            problems.append(Problem("unknown_code", "认证码不正确", "the person's code is not valid", "code"))
    if problems:
        raise AppError.from_problems(
            problems, status=422, code="invalid", lead=("输入有误：", "invalid input: ")
        )
    with transaction.atomic():
        checkin = CheckIn.objects.create(
            compound=compound,
            name=name.strip(),
            phone=phone,
            from_place=from_place.strip(),
            arrived_on=arrived_on,
            elder=elder,
            registered_by=actor,
            created_at=now,
        )
        if elder is not None and elder.status != ElderStatus.EXITED:
            observed = timezone.make_aware(dt.datetime.combine(arrived_on, dt.time(12)))
            signal_record(
                actor=None,
                elder_pk=elder.pk,
                kind=SignalKind.CHECKIN,
                observed_at=min(observed, now),
                source=f"checkin:{checkin.pk}",
                ref=f"checkin-{checkin.pk}",
                now=now,
            )
    return checkin


# ------------------------------------------------------------------------------ 12345 signals
def case_signals(*, now: dt.datetime | None = None, days: int = 7) -> int:
    """A 12345 request or call by the person (matched by the phone's blind index, never in
    clear) is a sign of life: record each recent one once as a ``case`` signal."""
    from shezhi.cases.models import Case

    now = now or timezone.now()
    by_phone = dict(
        Elder.objects.filter(status=ElderStatus.ELIGIBLE)
        .exclude(resident__phone_index="")
        .values_list("resident__phone_index", "pk")
    )
    if not by_phone:
        return 0
    made = 0
    cases = Case.objects.filter(
        opened_at__gte=now - dt.timedelta(days=days),
        opened_at__lte=now,
        reporter_phone_index__in=list(by_phone),
    ).only("code", "opened_at", "reporter_phone_index")
    for case in cases:
        elder_pk = by_phone[case.reporter_phone_index]
        if Signal.objects.filter(elder_id=elder_pk, kind=SignalKind.CASE, ref=case.code).exists():
            continue
        signal_record(
            actor=None,
            elder_pk=elder_pk,
            kind=SignalKind.CASE,
            observed_at=case.opened_at,
            source="12345",
            ref=case.code,
            now=now,
        )
        made += 1
    return made
