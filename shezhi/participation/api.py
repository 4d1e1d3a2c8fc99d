"""API operations of participation (/api/v1/participation/…): topics, votes, ballots, results.

Every read starts from the selectors in :mod:`topics` (``visible_to``, and for residents
their own compounds); a foreign topic or vote answers 404. Results and the ballot list
answer 409 before close: real-time results are refused on purpose.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from shezhi.common.api import ErrorOut, InputSchema, PageNumberPagination, paginate, text
from shezhi.common.errors import AppError
from shezhi.participation import topics, votes
from shezhi.participation.models import Channel, Participation, RuleSet, Topic, Vote, VoteStatus

router = Router(tags=["participation 共建共治共享"])


class RuleSetOut(Schema):
    id: int
    code: str
    version: int
    name: str
    kind: str
    legal_basis: str
    effective_from: dt.date
    effective_to: dt.date | None
    uses_area: bool
    quorum_area: str
    quorum_heads: str
    quorum_configurable: bool
    ordinary: str
    ordinary_op: str
    ordinary_base: str
    special: str
    special_op: str
    special_base: str
    special_matters: str
    conventions: dict[str, Any]


class TopicOut(Schema):
    id: int
    title: str
    origin: str
    scope_level: str
    compound: str | None
    division_code: str
    stage: str
    created_at: dt.datetime
    synthetic: bool

    @staticmethod
    def resolve_compound(obj: Topic) -> str | None:
        return obj.compound.name if obj.compound_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_division_code(obj: Topic) -> str:
        return obj.division.code


class StageOut(Schema):
    code: str
    name: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    minutes: str
    completed_at: dt.datetime | None


class CommentOut(Schema):
    author: str
    stage: str
    body: str
    official: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj: Any) -> str:
        return str(obj.author) if obj.author_id else ""


class CaseStepOut(Schema):
    at: dt.datetime
    what: str


class ProgressOut(Schema):
    code: str
    state: str
    finished: bool
    steps: list[CaseStepOut]


class TopicDetailOut(TopicOut):
    body: str
    stages: list[StageOut]
    comments: list[CommentOut]
    progress: ProgressOut | None

    @staticmethod
    def resolve_stages(obj: Topic) -> Any:
        return list(obj.stages.all())

    @staticmethod
    def resolve_comments(obj: Topic) -> Any:
        return list(obj.comments.select_related("author"))

    @staticmethod
    def resolve_progress(obj: Topic) -> Any:
        return topics.case_progress(obj)


class TopicIn(InputSchema):
    title: text(120, min_length=1)
    body: text(4000, min_length=1)
    compound_id: int


class CommentIn(InputSchema):
    body: text(2000, min_length=1)
    official: bool = False


class AdvanceIn(InputSchema):
    minutes: text(8000) = ""


class OptionOut(Schema):
    id: int
    label: str
    is_abstain: bool


class QuestionOut(Schema):
    id: int
    text: str
    style: str
    matter: str
    max_choices: int
    options: list[OptionOut]

    @staticmethod
    def resolve_options(obj: Any) -> Any:
        return list(obj.options.all())


class VoteOut(Schema):
    id: int
    topic_id: int
    title: str
    status: str
    rule_set: str
    compound: str | None
    closes_at: dt.datetime
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    roll_hash: str
    eligible_area: Decimal
    eligible_heads: int
    synthetic: bool

    @staticmethod
    def resolve_rule_set(obj: Vote) -> str:
        return f"{obj.rule_set.code}@{obj.rule_set.version}"

    @staticmethod
    def resolve_compound(obj: Vote) -> str | None:
        return obj.compound.name if obj.compound_id else None  # type: ignore[union-attr]


class MyEntryOut(Schema):
    number: int
    label: str
    voted: bool
    channel: str


class VoteDetailOut(VoteOut):
    questions: list[QuestionOut]
    my_entries: list[MyEntryOut]
    result_hash: str
    ballots_hash: str

    @staticmethod
    def resolve_questions(obj: Vote) -> Any:
        return list(obj.questions.prefetch_related("options"))

    @staticmethod
    def resolve_my_entries(obj: Vote, context: Any) -> Any:
        user = context["request"].user if context else None
        entries = votes.my_entries(obj, user)
        done = {p.entry_id: p.channel for p in Participation.objects.filter(vote=obj, entry__in=entries)}
        return [
            {"number": e.number, "label": e.label, "voted": e.pk in done, "channel": done.get(e.pk, "")}
            for e in entries
        ]


class VoteRollEntryOut(Schema):
    number: int
    label: str
    area: Decimal
    heads: int


class VoteRollOut(Schema):
    roll_hash: str
    snapshot: str
    entries: list[VoteRollEntryOut]


class BallotIn(InputSchema):
    choices: dict[text(20), list[int]] = Field(..., max_length=50)
    entry_number: int | None = Field(None, ge=1, le=1_000_000)


class PaperBallotIn(InputSchema):
    entry_number: int = Field(..., ge=1, le=1_000_000)
    choices: dict[text(20), list[int]] = Field(..., max_length=50)
    channel: text(10) = Channel.PAPER
    delegate_name: text(80) = ""


class ReceiptOut(Schema):
    receipt: str
    note: str


class ReceiptIn(InputSchema):
    code: text(40, min_length=1)


class ReceiptCheckOut(Schema):
    found: bool
    digest: str
    content_hash: str | None = None
    line: int | None = None
    of: int | None = None
    choices: dict[str, list[str]] | None = None


class BallotListItemOut(Schema):
    receipt_digest: str
    content_hash: str


class BallotListOut(Schema):
    ballots_hash: str
    ballots: list[BallotListItemOut]


def _vote(request: HttpRequest, vote_id: int) -> Vote:
    return topics.vote_get(actor=request.user, pk=vote_id)


@router.get("/participation/rule-sets", response=list[RuleSetOut], summary="表决规则 / voting rule sets")
@paginate(PageNumberPagination)
def rule_set_list(request: HttpRequest) -> Any:
    if not getattr(request.user, "is_authenticated", False):
        return RuleSet.objects.none()
    return RuleSet.objects.all()


@router.get("/participation/topics", response=list[TopicOut], summary="议题 / deliberation topics")
@paginate(PageNumberPagination)
def topic_list(request: HttpRequest) -> Any:
    return topics.topic_list(actor=request.user)


@router.get("/participation/topics/{topic_id}", response=TopicDetailOut, summary="议题详情 / one topic")
def topic_detail(request: HttpRequest, topic_id: int) -> Any:
    return topics.topic_get(actor=request.user, pk=topic_id)


@router.post("/participation/topics", response={201: TopicDetailOut}, summary="提出议题 / raise a topic")
def topic_create(request: HttpRequest, payload: TopicIn) -> Any:
    compound = topics.compounds_for_topics(actor=request.user).filter(pk=payload.compound_id).first()
    if compound is None:
        raise AppError(
            "只能在本人所在小区提出议题", "only in a compound of your own", status=404, code="not_found"
        )
    topic = topics.topic_raise(actor=request.user, title=payload.title, body=payload.body, compound=compound)
    return Status(201, topic)


@router.post(
    "/participation/topics/{topic_id}/comments",
    response={201: CommentOut, 409: ErrorOut},
    summary="发言或官方答复 / comment or official answer",
)
def topic_comment(request: HttpRequest, topic_id: int, payload: CommentIn) -> Any:
    topic = topics.topic_get(actor=request.user, pk=topic_id)
    comment = topics.comment_add(
        topic=topic, actor=request.user, body=payload.body, official=payload.official
    )
    return Status(201, comment)


@router.post(
    "/participation/topics/{topic_id}/advance",
    response={200: TopicDetailOut, 409: ErrorOut},
    summary="进入下一阶段 / move to the next stage",
)
def topic_advance(request: HttpRequest, topic_id: int, payload: AdvanceIn) -> Any:
    topic = topics.topic_get(actor=request.user, pk=topic_id)
    topics.topic_advance(topic=topic, actor=request.user, minutes=payload.minutes)
    return topics.topic_get(actor=request.user, pk=topic_id)


@router.get("/participation/votes", response=list[VoteOut], summary="表决 / votes")
@paginate(PageNumberPagination)
def vote_list(request: HttpRequest) -> Any:
    return topics.vote_list(actor=request.user)


@router.get("/participation/votes/{vote_id}", response=VoteDetailOut, summary="表决详情 / one vote")
def vote_detail(request: HttpRequest, vote_id: int) -> Any:
    return _vote(request, vote_id)


@router.get(
    "/participation/votes/{vote_id}/roll", response=VoteRollOut, summary="冻结的名册 / the frozen roll"
)
def vote_roll(request: HttpRequest, vote_id: int) -> Any:
    vote = _vote(request, vote_id)
    return {"roll_hash": vote.roll_hash, "snapshot": vote.roll_snapshot, "entries": list(vote.roll.all())}


@router.post(
    "/participation/votes/{vote_id}/ballots",
    response={201: ReceiptOut, 409: ErrorOut},
    summary="网上表决 / cast one's ballot (returns the receipt code once)",
)
def vote_cast(request: HttpRequest, vote_id: int, payload: BallotIn) -> Any:
    vote = _vote(request, vote_id)
    code = votes.ballot_cast(
        vote=vote, actor=request.user, choices=payload.choices, entry_number=payload.entry_number
    )
    return Status(201, {"receipt": code, "note": "回执码只返回这一次 / the receipt code is returned once"})


@router.post(
    "/participation/votes/{vote_id}/paper-ballots",
    response={201: ReceiptOut, 409: ErrorOut},
    summary="录入纸质票或书面委托 / enter a paper or delegated ballot",
)
def vote_paper(request: HttpRequest, vote_id: int, payload: PaperBallotIn) -> Any:
    vote = _vote(request, vote_id)
    code = votes.ballot_enter(
        vote=vote,
        actor=request.user,
        entry_number=payload.entry_number,
        choices=payload.choices,
        channel=payload.channel,
        delegate_name=payload.delegate_name,
    )
    return Status(201, {"receipt": code, "note": "请把回执码交给业主 / hand the receipt code to the owner"})


@router.post(
    "/participation/votes/{vote_id}/open",
    response={200: VoteDetailOut, 409: ErrorOut},
    summary="开始表决并冻结名册 / open and freeze the roll",
)
def vote_open(request: HttpRequest, vote_id: int) -> Any:
    vote = _vote(request, vote_id)
    return votes.vote_open(vote=vote, actor=request.user)


@router.post(
    "/participation/votes/{vote_id}/close",
    response={200: VoteDetailOut, 409: ErrorOut},
    summary="截止并计票 / close and count",
)
def vote_close(request: HttpRequest, vote_id: int) -> Any:
    vote = _vote(request, vote_id)
    return votes.vote_close(vote=vote, actor=request.user)


def _not_yet() -> Status:
    return Status(
        409,
        AppError(
            "表决截止后才公布结果", "results are published only after close", status=409, code="not_closed"
        ).as_dict(),
    )


@router.get(
    "/participation/votes/{vote_id}/results",
    response={200: dict[str, Any], 409: ErrorOut},
    summary="计票结果（截止后）/ the count, after close",
)
def vote_results(request: HttpRequest, vote_id: int) -> Any:
    vote = _vote(request, vote_id)
    result = votes.results_of(vote)
    return _not_yet() if result is None else result


@router.get(
    "/participation/votes/{vote_id}/ballot-list",
    response={200: BallotListOut, 409: ErrorOut},
    summary="公布的选票清单（截止后）/ published ballot list, after close",
)
def vote_ballot_list(request: HttpRequest, vote_id: int) -> Any:
    vote = _vote(request, vote_id)
    if vote.status != VoteStatus.CLOSED:
        return _not_yet()
    return {"ballots_hash": vote.ballots_hash, "ballots": votes.ballot_list(vote)}


@router.post(
    "/participation/votes/{vote_id}/receipt",
    response={200: ReceiptCheckOut},
    summary="核对回执 / check a receipt",
)
def vote_receipt(request: HttpRequest, vote_id: int, payload: ReceiptIn) -> Any:
    return votes.receipt_check(vote=_vote(request, vote_id), code=payload.code)


# --- volunteers -------------------------------------------------------------------------


class ActivityOut(Schema):
    id: int
    title: str
    community_code: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    synthetic: bool

    @staticmethod
    def resolve_community_code(obj: Any) -> str:
        return obj.community.code


class ServiceOut(Schema):
    id: int
    activity_id: int
    activity: str
    status: str
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    hours: Decimal

    @staticmethod
    def resolve_activity(obj: Any) -> str:
        return obj.activity.title


class MemberOut(Schema):
    name: str
    community: str
    best_community: str
    best_hours: Decimal
    total_hours: Decimal
    complies: bool


class UnitOut(Schema):
    unit: str
    members: list[MemberOut]
    below: int


class YearIn(InputSchema):
    year: int | None = Field(None, ge=2000, le=2100, description="默认今年 / this year by default")


class Report1116Out(Schema):
    year: int
    threshold_hours: Decimal
    units: list[UnitOut]


@router.get(
    "/participation/activities", response=list[ActivityOut], summary="志愿服务活动 / volunteer activities"
)
@paginate(PageNumberPagination)
def activity_list(request: HttpRequest) -> Any:
    from shezhi.participation import volunteers as vs

    return vs.activity_list(actor=request.user)


@router.post(
    "/participation/activities/{activity_id}/signup",
    response={201: ServiceOut, 409: ErrorOut},
    summary="报名志愿服务 / sign up for an activity",
)
def activity_signup(request: HttpRequest, activity_id: int) -> Any:
    from django.http import Http404

    from shezhi.participation import volunteers as vs

    activity = vs.activity_list(actor=request.user).filter(pk=activity_id).first()
    if activity is None:
        raise Http404
    me = vs.my_volunteer(request.user) or vs.volunteer_self_register(actor=request.user)
    return Status(201, vs.service_signup(activity=activity, volunteer=me))


@router.get("/participation/my-services", response=list[ServiceOut], summary="我的志愿服务 / my services")
@paginate(PageNumberPagination)
def my_services(request: HttpRequest) -> Any:
    from shezhi.participation.models import Service

    if not getattr(request.user, "is_authenticated", False):
        return Service.objects.none()
    return Service.objects.filter(volunteer__user=request.user).select_related("activity").order_by("-id")


@router.get(
    "/participation/report-1116", response=Report1116Out, summary="在职党员1116报告 / the 1116 report"
)
def report_1116(request: HttpRequest, query: Query[YearIn]) -> Any:
    from django.core.exceptions import PermissionDenied

    from shezhi.participation import volunteers as vs
    from shezhi.participation.permissions import ParticipationPermission as P
    from shezhi.participation.permissions import has_perm

    if not has_perm(request.user, P.READ) or has_perm(request.user, P.TAKE_PART):
        raise PermissionDenied
    from django.utils import timezone

    year = query.year or timezone.localdate().year
    units = vs.report_1116(actor=request.user, year=year)
    return {
        "year": year,
        "threshold_hours": vs.RULE_1116_HOURS,
        "units": [
            {
                "unit": u.unit,
                "below": len(u.below),
                "members": [
                    {
                        "name": m.volunteer.name,
                        "community": m.volunteer.community.name,
                        "best_community": m.best[0],
                        "best_hours": m.best[1],
                        "total_hours": m.total,
                        "complies": m.complies,
                    }
                    for m in u.members
                ],
            }
            for u in units
        ],
    }


# --- opportunity lists ------------------------------------------------------------------


class OpportunityOut(Schema):
    id: int
    title: str
    kind: str
    status: str
    budget: Decimal
    deadline: dt.datetime
    criteria: list[dict[str, Any]]
    division_code: str
    awarded_to: str | None
    synthetic: bool

    @staticmethod
    def resolve_division_code(obj: Any) -> str:
        return obj.division.code

    @staticmethod
    def resolve_awarded_to(obj: Any) -> str | None:
        return obj.awarded.organisation.name if obj.awarded_id else None


class OpportunityEventOut(Schema):
    kind: str
    actor: str
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return str(obj.actor) if obj.actor_id else ""


class OpportunityDetailOut(OpportunityOut):
    description: str
    timeline: list[OpportunityEventOut]

    @staticmethod
    def resolve_timeline(obj: Any) -> Any:
        return list(obj.events.select_related("actor"))


class ApplicationIn(InputSchema):
    organisation_id: int
    proposal: text(4000, min_length=1)
    budget: Decimal = Field(..., ge=0, le=Decimal("9999999999"), decimal_places=2)


class ApplicationOut(Schema):
    id: int
    organisation: str
    budget: Decimal
    submitted_at: dt.datetime

    @staticmethod
    def resolve_organisation(obj: Any) -> str:
        return obj.organisation.name


@router.get(
    "/participation/opportunities", response=list[OpportunityOut], summary="机会清单 / opportunity lists"
)
@paginate(PageNumberPagination)
def opportunity_list(request: HttpRequest) -> Any:
    from shezhi.participation import opportunities as op

    return op.opportunity_list(actor=request.user)


@router.get(
    "/participation/opportunities/{opportunity_id}",
    response=OpportunityDetailOut,
    summary="机会详情与时间线 / one opportunity with its timeline",
)
def opportunity_detail(request: HttpRequest, opportunity_id: int) -> Any:
    from shezhi.participation import opportunities as op

    return op.opportunity_get(actor=request.user, pk=opportunity_id)


@router.post(
    "/participation/opportunities/{opportunity_id}/applications",
    response={201: ApplicationOut, 409: ErrorOut},
    summary="申报 / apply for an opportunity",
)
def opportunity_apply(request: HttpRequest, opportunity_id: int, payload: ApplicationIn) -> Any:
    from shezhi.participation import opportunities as op

    item = op.opportunity_get(actor=request.user, pk=opportunity_id)
    application = op.application_submit(
        opportunity=item,
        actor=request.user,
        organisation_id=payload.organisation_id,
        proposal=payload.proposal,
        budget=payload.budget,
    )
    return Status(201, application)
