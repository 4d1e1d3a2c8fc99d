"""Votes (表决): roll freezing, secret ballots with receipts, paper and delegated ballots, close.

Every refusal is an :class:`AppError` with the reason in Chinese and English. The ballot
and the participation record are written in one transaction; the unique constraint on
(vote, roll entry) is what makes "one per voter across channels" hold under concurrency.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shezhi.common.errors import AppError, Problem
from shezhi.participation import tally as tallying
from shezhi.participation.models import (
    Ballot,
    Channel,
    Matter,
    Option,
    Participation,
    Question,
    RollEntry,
    RuleKind,
    RuleSet,
    Style,
    Unit,
    Vote,
    VoteStatus,
)
from shezhi.participation.permissions import ParticipationPermission, has_perm


class VoteRefused(AppError):
    pass


def _refuse(zh: Any, en: str, *, status: int = 409, code: str = "vote_refused") -> VoteRefused:
    return VoteRefused(zh, en, status=status, code=code)


def canonical(data: Any) -> str:
    """Canonical JSON (sorted keys, no spaces, UTF-8 text) for hashing."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- the roll -------------------------------------------------------------------------


def roll_plan(vote: Vote) -> list[dict[str, Any]]:
    """The roll this vote would freeze now, by its rule's counting conventions."""
    rule = vote.rule_set
    conv = rule.conventions or {}
    if rule.kind == RuleKind.RESIDENTS:
        from shezhi.people.models import Household

        households = Household.objects.all()
        if vote.compound_id:
            households = households.filter(compound_id=vote.compound_id)
        else:
            households = households.filter(community_id=vote.topic.division_id)
        return [
            {
                "label": f"{h.compound.name} {h.address}",
                "area": Decimal("0"),
                "heads": 1,
                "units": [],
                "users": [],
            }
            for h in households.select_related("compound").order_by("compound_id", "building", "unit", "room")
        ]
    units = (
        Unit.objects.filter(compound_id=vote.compound_id)
        .prefetch_related("owners")
        .order_by("building", "room")
    )
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for unit in units:
        owners = sorted(unit.owners.all(), key=lambda o: o.pk)
        if unit.developer_unsold and conv.get("developer_unsold_as_one"):
            key: tuple[Any, ...] = ("developer",)
        elif owners and conv.get("merge_multi_unit_owner"):
            # One buyer of several units counts once; joint owners of a unit always vote once.
            key = ("owners", *[o.pk for o in owners])
        else:
            key = ("unit", unit.pk)
        group = groups.setdefault(key, {"area": Decimal("0"), "heads": 1, "units": [], "users": set()})
        group["area"] += unit.floor_area
        group["units"].append(str(unit))
        group["users"].update(o.user_id for o in owners if o.user_id)
    entries = []
    for group in groups.values():
        label = "、".join(group["units"])
        entries.append({**group, "label": label[:200], "users": sorted(group["users"])})
    entries.sort(key=lambda e: e["units"][0])
    return entries


def _roll_document(vote: Vote, entries: list[dict[str, Any]]) -> dict[str, Any]:
    rule = vote.rule_set
    return {
        "vote": vote.pk,
        "rule": {"code": rule.code, "version": rule.version, "conventions": rule.conventions},
        "compound": vote.compound_id,
        "entries": [
            {
                "number": n,
                "label": e["label"],
                "units": e["units"],
                "area": str(e["area"]),
                "heads": e["heads"],
            }
            for n, e in enumerate(entries, start=1)
        ],
    }


@transaction.atomic
def vote_open(*, vote: Vote, actor: Any) -> Vote:
    """Open voting: freeze the roll and publish its SHA-256 hash (draft → open, once)."""
    _require_manager(actor)
    if not vote.questions.exists() or any(q.options.count() < 2 for q in vote.questions.all()):
        raise _refuse(_("每个问题至少需要两个选项"), "every question needs at least two options", status=422)
    if vote.rule_set.kind == RuleKind.OWNERS and vote.compound_id is None:
        raise _refuse(_("业主表决必须指定小区"), "an owners' vote needs a compound", status=422)
    if vote.closes_at <= timezone.now():
        raise _refuse(_("截止时间必须晚于现在"), "the closing time must be in the future", status=422)
    entries = roll_plan(vote)
    if not entries:
        raise _refuse(_("名册为空，无法开始表决"), "the roll is empty", status=422)
    now = timezone.now()
    # Compare-and-swap: only one opener wins.
    if not Vote.objects.filter(pk=vote.pk, status=VoteStatus.DRAFT).update(
        status=VoteStatus.OPEN, opened_at=now
    ):
        raise _refuse(_("表决已开始或已结束"), "the vote is already open or closed")
    document = canonical(_roll_document(vote, entries))
    rows = RollEntry.objects.bulk_create(
        RollEntry(vote=vote, number=n, label=e["label"], area=e["area"], heads=e["heads"])
        for n, e in enumerate(entries, start=1)
    )
    through = RollEntry.voters.through
    through.objects.bulk_create(
        through(rollentry_id=row.pk, user_id=user_id)
        for row, e in zip(rows, entries, strict=True)
        for user_id in e["users"]
    )
    Vote.objects.filter(pk=vote.pk).update(
        roll_snapshot=document,
        roll_hash=sha256(document),
        eligible_area=sum((e["area"] for e in entries), Decimal("0")),
        eligible_heads=sum(e["heads"] for e in entries),
    )
    vote.refresh_from_db()
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from shezhi.participation.notify import notify

    voters = get_user_model().objects.filter(pk__in={u for e in entries for u in e["users"]})
    notify(
        voters,
        kind="vote",
        title=f"表决开始：{vote.title}",
        url=reverse("participation:vote", args=[vote.pk]),
    )
    return vote


def vote_draft(
    *,
    topic: Any,
    actor: Any,
    title: str,
    rule_set: RuleSet | None,
    closes_at: Any,
    quorum: str,
    questions: list[dict[str, Any]],
) -> Vote:
    """The desk drafts a vote: checked here, opened (roll frozen) separately."""
    _require_manager(actor)
    problems = []
    title = title.strip()
    if not title or len(title) > 120:
        problems.append(
            Problem(
                "title",
                "表决事项须填写，且不超过 120 字",
                "a title of 1–120 characters",
                "title",
            )
        )
    if rule_set is None:
        problems.append(Problem("rule_set", "请选择表决规则", "choose a rule set", "rule_set"))
    if closes_at is None or closes_at <= timezone.now():
        problems.append(
            Problem(
                "closes_at",
                "截止时间须晚于现在",
                "the closing time must be in the future",
                "closes_at",
            )
        )
    if quorum and (rule_set is None or not rule_set.quorum_configurable):
        problems.append(
            Problem(
                "quorum",
                "该规则的参与门槛不可设定",
                "this rule's quorum is fixed by law",
                "quorum",
            )
        )
    if quorum:
        from shezhi.participation.tally import fraction

        try:
            fraction(quorum.lstrip(">"))
        except (ValueError, ZeroDivisionError):
            problems.append(Problem("quorum", "门槛写作如 2/3", "write the quorum like 2/3", "quorum"))
    if not questions:
        problems.append(Problem("q1_text", "至少需要一个问题", "at least one question", "q1_text"))
    for n, q in enumerate(questions, start=1):
        if len(q["options"]) < 2 or len(q["options"]) > 20 or any(len(o) > 120 for o in q["options"]):
            problems.append(
                Problem(
                    "options",
                    "每个问题 2–20 个选项，每项不超过 120 字",
                    "2–20 options of ≤120 characters",
                    f"q{n}_options",
                )
            )
        if q["style"] not in Style.values or q["matter"] not in Matter.values:
            problems.append(Problem("style", "方式或事项类别无效", "invalid style or matter", f"q{n}_style"))
        if not str(q["max"]).isdigit() or not 1 <= int(q["max"]) <= 20:
            problems.append(Problem("max", "最多可选须为 1–20", "max choices 1–20", f"q{n}_max"))
    if topic.compound_id is None and rule_set is not None and rule_set.kind == "owners":
        problems.append(
            Problem(
                "rule_set",
                "业主表决须针对小区议题",
                "an owners' vote needs a compound topic",
                "rule_set",
            )
        )
    if problems:
        raise AppError.from_problems(problems)
    vote = Vote.objects.create(
        topic=topic,
        title=title,
        rule_set=rule_set,
        compound=topic.compound,
        closes_at=closes_at,
        quorum_heads=quorum,
        created_by=actor,
    )
    for order, q in enumerate(questions, start=1):
        question = Question.objects.create(
            vote=vote,
            order=order,
            text=q["text"],
            style=q["style"],
            matter=q["matter"],
            max_choices=1 if q["style"] == Style.SINGLE else int(q["max"]),
        )
        labels = q["options"] + (["弃权"] if q["abstain"] else [])
        for n, label in enumerate(labels, start=1):
            Option.objects.create(
                question=question, order=n, label=label, is_abstain=q["abstain"] and n == len(labels)
            )
    return vote


# --- ballots --------------------------------------------------------------------------


def _require_manager(actor: Any) -> None:
    if not has_perm(actor, ParticipationPermission.MANAGE):
        raise _refuse(
            _("您的角色无权管理表决"), "your role may not manage votes", status=403, code="forbidden"
        )


def _require_open(vote: Vote) -> None:
    if vote.status == VoteStatus.DRAFT:
        raise _refuse(_("表决尚未开始"), "the vote has not opened yet", code="vote_not_open")
    if vote.status == VoteStatus.CLOSED or vote.closes_at <= timezone.now():
        raise _refuse(
            _("表决已截止，不再接受投票"), "the vote is closed; no more ballots", code="vote_closed"
        )


def clean_choices(vote: Vote, raw: Mapping[str, Any]) -> dict[str, list[int]]:
    """Choices keyed by question id, checked against the options offered."""
    questions = list(vote.questions.prefetch_related("options"))
    known = {str(q.pk) for q in questions}
    unknown = set(map(str, raw)) - known
    if unknown:
        raise _refuse(
            _("选票含有本次表决没有的问题"), "the ballot names a question this vote does not ask", status=422
        )
    cleaned: dict[str, list[int]] = {}
    for q in questions:
        value = raw.get(str(q.pk), [])
        picked = value if isinstance(value, list) else [value]
        try:
            ids = sorted({int(v) for v in picked if v not in ("", None)})
        except (TypeError, ValueError):
            raise _refuse(_("选项无效"), "an option is not valid", status=422) from None
        offered = {o.pk: o for o in q.options.all()}
        if any(i not in offered for i in ids):
            raise _refuse(
                _("“%(q)s”的选择不在所列选项中") % {"q": q.text},
                f"a choice for “{q.text}” is not one of the options offered",
                status=422,
                code="choice_not_offered",
            )
        limit = 1 if q.style == Style.SINGLE else q.max_choices
        if len(ids) > limit:
            raise _refuse(
                _("“%(q)s”最多可选 %(n)s 项") % {"q": q.text, "n": limit},
                f"“{q.text}” allows at most {limit} choices",
                status=422,
                code="too_many_choices",
            )
        if len(ids) > 1 and any(offered[i].is_abstain for i in ids):
            raise _refuse(
                _("弃权不能与其他选项同时选择"), "abstain cannot be combined with other options", status=422
            )
        if not ids:
            raise _refuse(
                _("请回答“%(q)s”（可选弃权）") % {"q": q.text},
                f"answer “{q.text}” (abstaining is an option)",
                status=422,
                code="question_unanswered",
            )
        cleaned[str(q.pk)] = ids
    return cleaned


def _new_receipt() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_receipt(code: str) -> str:
    plain = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def receipt_digest(vote: Vote, code: str) -> str:
    return sha256(f"shezhi-ballot-v1:{vote.pk}:{normalise_receipt(code)}")


def _record(
    *,
    vote: Vote,
    entry: RollEntry,
    choices: dict[str, list[int]],
    channel: str,
    cast_by: Any = None,
    recorded_by: Any = None,
    delegate_name: str = "",
) -> str:
    code = _new_receipt()
    digest = receipt_digest(vote, code)
    content = canonical(
        {
            "vote": vote.pk,
            "area": str(entry.area),
            "heads": entry.heads,
            "channel": channel,
            "choices": choices,
            "receipt": digest,
        }
    )
    try:
        with transaction.atomic():
            Vote.objects.select_for_update().filter(pk=vote.pk).first()
            vote.refresh_from_db(fields=["status", "closes_at"])
            _require_open(vote)
            Participation.objects.create(
                vote=vote,
                entry=entry,
                channel=channel,
                cast_by=cast_by,
                recorded_by=recorded_by,
                delegate_name=delegate_name,
            )
            Ballot.objects.create(
                vote=vote,
                area=entry.area,
                heads=entry.heads,
                channel=channel,
                choices=choices,
                receipt_digest=digest,
                content_hash=sha256(content),
            )
    except IntegrityError:
        earlier = Participation.objects.filter(vote=vote, entry=entry).first()
        how = earlier.get_channel_display() if earlier else ""
        raise _refuse(
            _("该表决权已行使（%(how)s），不能重复投票") % {"how": how},
            f"this vote has already been cast ({earlier.channel if earlier else ''}); no second ballot",
            code="already_voted",
        ) from None
    return code


def my_entries(vote: Vote, user: Any) -> list[RollEntry]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(vote.roll.filter(voters=user))


def ballot_cast(
    *, vote: Vote, actor: Any, choices: Mapping[str, Any], entry_number: int | None = None
) -> str:
    """A voter's own web ballot; returns the receipt code (shown once)."""
    if not has_perm(actor, ParticipationPermission.TAKE_PART):
        raise _refuse(_("您的角色不能参加表决"), "your role does not vote", status=403, code="forbidden")
    _require_open(vote)
    entries = my_entries(vote, actor)
    if entry_number is not None:
        entries = [e for e in entries if e.number == entry_number]
    if not entries:
        raise _refuse(
            _("您不在本次表决的名册中"), "you are not on this vote's roll", status=403, code="not_on_roll"
        )
    if len(entries) > 1:
        raise _refuse(_("请选择以哪一表决权投票"), "choose which of your roll entries votes", status=422)
    cleaned = clean_choices(vote, choices)
    return _record(vote=vote, entry=entries[0], choices=cleaned, channel=Channel.WEB, cast_by=actor)


def ballot_enter(
    *,
    vote: Vote,
    actor: Any,
    entry_number: int,
    choices: Mapping[str, Any],
    channel: str = Channel.PAPER,
    delegate_name: str = "",
) -> str:
    """Staff enter a paper or delegated (书面委托) ballot; who entered it is recorded."""
    _require_manager(actor)
    if channel not in (Channel.PAPER, Channel.DELEGATED):
        raise _refuse(_("录入方式只能是纸质或书面委托"), "entered ballots are paper or delegated", status=422)
    if channel == Channel.DELEGATED and not delegate_name.strip():
        raise _refuse(_("书面委托须填写受托人"), "a delegated ballot names the delegate", status=422)
    _require_open(vote)
    entry = vote.roll.filter(number=entry_number).first()
    if entry is None:
        raise _refuse(
            _("名册中没有序号 %(n)s") % {"n": entry_number},
            f"there is no entry {entry_number} on the roll",
            status=422,
            code="not_on_roll",
        )
    cleaned = clean_choices(vote, choices)
    return _record(
        vote=vote,
        entry=entry,
        choices=cleaned,
        channel=channel,
        recorded_by=actor,
        delegate_name=delegate_name.strip(),
    )


# --- close and results ----------------------------------------------------------------


def rule_of(vote: Vote) -> tallying.Rule:
    r = vote.rule_set
    return tallying.Rule(
        uses_area=r.uses_area,
        quorum_area=r.quorum_area,
        quorum_heads=r.quorum_heads,
        ordinary=r.ordinary,
        ordinary_op=r.ordinary_op,
        ordinary_base=r.ordinary_base,
        special=r.special,
        special_op=r.special_op,
        special_base=r.special_base,
    )


def compute(vote: Vote) -> dict[str, Any]:
    questions = [
        tallying.QuestionSpec(
            id=q.pk,
            text=q.text,
            matter=q.matter,
            options=[(o.pk, o.label, o.is_abstain) for o in q.options.all()],
        )
        for q in Question.objects.filter(vote=vote).prefetch_related("options")
    ]
    ballots = [tallying.BallotIn(area=b.area, heads=b.heads, choices=b.choices) for b in vote.ballots.all()]
    result = tallying.tally(
        rule=rule_of(vote),
        eligible_area=vote.eligible_area,
        eligible_heads=vote.eligible_heads,
        questions=questions,
        ballots=ballots,
        quorum_heads=vote.quorum_heads if vote.rule_set.quorum_configurable else "",
    )
    by_channel: dict[str, int] = {}
    for b in vote.ballots.all():
        by_channel[b.channel] = by_channel.get(b.channel, 0) + 1
    result["channels"] = by_channel
    return result


def ballot_list(vote: Vote) -> list[dict[str, str]]:
    """The published list: each ballot's receipt digest and content hash, sorted by digest."""
    return [
        {"receipt_digest": d, "content_hash": c}
        for d, c in vote.ballots.order_by("receipt_digest").values_list("receipt_digest", "content_hash")
    ]


@transaction.atomic
def vote_close(*, vote: Vote, actor: Any) -> Vote:
    """Close at or after the announced time: count once, store result and hashes (open → closed)."""
    _require_manager(actor)
    if vote.status != VoteStatus.OPEN:
        raise _refuse(_("只有表决中的表决可以结束"), "only an open vote can be closed")
    if timezone.now() < vote.closes_at:
        raise _refuse(
            _("未到公告的截止时间，不能提前结束"),
            "the announced closing time has not come; a vote is not closed early",
        )
    now = timezone.now()
    if not Vote.objects.filter(pk=vote.pk, status=VoteStatus.OPEN).update(
        status=VoteStatus.CLOSED, closed_at=now
    ):
        raise _refuse(_("只有表决中的表决可以结束"), "only an open vote can be closed")
    vote.refresh_from_db()
    result = compute(vote)
    listing = canonical(ballot_list(vote))
    result["ballots_hash"] = sha256(listing)
    result["roll_hash"] = vote.roll_hash
    Vote.objects.filter(pk=vote.pk).update(
        result=result, result_hash=sha256(canonical(result)), ballots_hash=sha256(listing)
    )
    vote.refresh_from_db()
    return vote


def results_of(vote: Vote) -> dict[str, Any] | None:
    """The stored result, only after close (real-time results are refused on purpose)."""
    if vote.status != VoteStatus.CLOSED:
        return None
    return vote.result


def receipt_check(*, vote: Vote, code: str) -> dict[str, Any]:
    """Where a receipt's ballot stands: recorded (while open), or its line in the published list."""
    code = (code or "").strip()
    if len(code) > 40 or len("".join(ch for ch in code if ch.isalnum())) != 16:
        raise _refuse(
            _("回执码格式不正确（16 位字母数字）"), "a receipt code has 16 letters and digits", status=422
        )
    digest = receipt_digest(vote, code)
    ballot = vote.ballots.filter(receipt_digest=digest).first()
    if ballot is None:
        return {"found": False, "digest": digest}
    out: dict[str, Any] = {"found": True, "digest": digest, "content_hash": ballot.content_hash}
    if vote.status == VoteStatus.CLOSED:
        digests = [row["receipt_digest"] for row in ballot_list(vote)]
        out["line"] = digests.index(digest) + 1
        out["of"] = len(digests)
        labels = {o.pk: o.label for q in vote.questions.all() for o in q.options.all()}
        out["choices"] = {
            q.text: [labels.get(i, "?") for i in ballot.choices.get(str(q.pk), [])]
            for q in vote.questions.all()
        }
    return out
