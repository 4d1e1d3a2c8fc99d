"""Participation (共建共治共享): deliberation topics and lawful votes.

Votes are built to be the record a court would accept:

- the rule set (民法典 Art. 278, 物权法 Art. 76, 居民会议…) is versioned data, chosen per vote
  and never edited once a vote uses it;
- the eligibility roll (:class:`RollEntry`) is frozen when voting opens and its SHA-256 hash
  published; later changes to units and owners do not change who may vote;
- who took part (:class:`Participation`) is stored apart from what was chosen
  (:class:`Ballot`, which carries its weights and no voter reference); the voter keeps a
  receipt code whose digest appears in the ballot list published after close;
- results exist only after close, computed once and stored with their hash.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.scoping import AreaScope, ScopedQuerySet


class RuleKind(models.TextChoices):
    OWNERS = "owners", _("业主共同决定")
    RESIDENTS = "residents", _("居民会议/议事会")


class Base(models.TextChoices):
    PARTICIPATING = "participating", _("参与表决的")
    ELIGIBLE = "eligible", _("全体")


class Op(models.TextChoices):
    GT = "gt", _("过")  # strictly more than
    GE = "ge", _("以上")  # at least


class RuleSet(models.Model):
    """A voting rule (表决规则) as versioned, dated data.

    Fractions are written ``"2/3"``; an empty fraction means "no such test". ``conventions``
    holds the documented counting conventions (see :data:`CONVENTIONS`).
    """

    code = models.CharField(_("规则编码"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类别"), max_length=16, choices=RuleKind.choices)
    legal_basis = models.CharField(_("依据"), max_length=200)
    effective_from = models.DateField(_("施行日期"))
    effective_to = models.DateField(_("废止日期"), null=True, blank=True)
    uses_area = models.BooleanField(_("计算专有部分面积"), default=True)
    quorum_area = models.CharField(_("参与表决面积门槛"), max_length=8, blank=True)
    quorum_heads = models.CharField(_("参与表决人数门槛"), max_length=8, blank=True)
    quorum_configurable = models.BooleanField(_("参与人数门槛可按会议设定"), default=False)
    ordinary = models.CharField(_("一般事项通过比例"), max_length=8)
    ordinary_op = models.CharField(_("一般事项比较"), max_length=2, choices=Op.choices)
    ordinary_base = models.CharField(_("一般事项基数"), max_length=16, choices=Base.choices)
    special = models.CharField(_("特别事项通过比例"), max_length=8, blank=True)
    special_op = models.CharField(_("特别事项比较"), max_length=2, choices=Op.choices, blank=True)
    special_base = models.CharField(_("特别事项基数"), max_length=16, choices=Base.choices, blank=True)
    special_matters = models.CharField(_("特别事项"), max_length=300, blank=True)
    conventions = models.JSONField(_("计数约定"), default=dict, blank=True)
    notes = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("表决规则")
        verbose_name_plural = _("表决规则")
        ordering = ["kind", "code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="ruleset_code_version")]

    def __str__(self) -> str:
        return f"{self.name}（v{self.version}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A rule counted under is never edited: a changed rule is a new version.
        if self.pk and Vote.objects.filter(rule_set_id=self.pk).exclude(status=VoteStatus.DRAFT).exists():
            raise ValueError("a rule set used by an opened vote is never changed; add a new version")
        super().save(*args, **kwargs)


#: Documented counting conventions (法释〔2009〕7号 Arts. 8–9, revised 2020). Keys of
#: ``RuleSet.conventions``; a missing key is False.
CONVENTIONS = {
    "joint_owners_once": _("共有的专有部分只投一票（共有人之一代表）"),
    "merge_multi_unit_owner": _("同一业主拥有多个专有部分的，人数按一人计算，面积合计"),
    "developer_unsold_as_one": _("建设单位未出售的专有部分合计按一人计算"),
    "one_per_household": _("每户一票"),
}


class Unit(models.Model):
    """A 专有部分 (a flat, shop or other unit) with its registered floor area."""

    compound = models.ForeignKey(
        "places.Compound", verbose_name=_("小区（院落）"), on_delete=models.PROTECT, related_name="units"
    )
    building = models.CharField(_("楼栋"), max_length=40)
    room = models.CharField(_("房号"), max_length=20)
    floor_area = models.DecimalField(
        _("专有部分面积（平方米）"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0.01)]
    )
    area_source = models.CharField(_("面积来源"), max_length=60, default="不动产登记簿")
    developer_unsold = models.BooleanField(_("建设单位未出售"), default=False)
    owners = models.ManyToManyField("Owner", verbose_name=_("业主"), related_name="units", blank=True)

    area_scope = AreaScope(division="compound__community__code", grid="compound__grid__path")
    objects = ScopedQuerySet["Unit"].as_manager()

    class Meta:
        verbose_name = _("专有部分")
        verbose_name_plural = _("专有部分")
        ordering = ["compound_id", "building", "room"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "building", "room"], name="unit_address_unique"),
            models.CheckConstraint(condition=models.Q(floor_area__gt=0), name="unit_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.building}-{self.room}"


class Owner(models.Model):
    """An owner (业主) of one or more units of a compound; ``user`` lets them vote online."""

    compound = models.ForeignKey(
        "places.Compound", verbose_name=_("小区（院落）"), on_delete=models.PROTECT, related_name="owners"
    )
    name = models.CharField(_("姓名/名称"), max_length=80)
    is_developer = models.BooleanField(_("建设单位"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ownerships",
    )

    area_scope = AreaScope(division="compound__community__code", grid="compound__grid__path")
    objects = ScopedQuerySet["Owner"].as_manager()

    class Meta:
        verbose_name = _("业主")
        verbose_name_plural = _("业主")
        ordering = ["compound_id", "name"]

    def __str__(self) -> str:
        return self.name


class ScopeLevel(models.TextChoices):
    COMPOUND = "compound", _("小区（院落）")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")


class Origin(models.TextChoices):
    RESIDENT = "resident", _("居民提出")
    PARTY = "party", _("社区党组织提出")
    COMMITTEE = "committee", _("居委会提出")
    OWNERS_COMMITTEE = "owners_committee", _("业委会提出")


#: The default stages of 四事四共 (提事 → 议事 → 决事 → 办事 → 评事).
DEFAULT_STAGES = (
    ("raise", _("提事")),
    ("deliberate", _("议事")),
    ("decide", _("决事")),
    ("do", _("办事")),
    ("review", _("评事")),
)


class Topic(models.Model):
    """A deliberation topic (议题) scoped to a compound, community or street."""

    title = models.CharField(_("议题"), max_length=120)
    body = models.TextField(_("内容"), max_length=4000)
    origin = models.CharField(_("提出方"), max_length=20, choices=Origin.choices)
    scope_level = models.CharField(_("范围"), max_length=16, choices=ScopeLevel.choices)
    compound = models.ForeignKey(
        "places.Compound", verbose_name=_("小区（院落）"), null=True, blank=True, on_delete=models.PROTECT
    )
    division = models.ForeignKey(
        "places.Division", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "places.Grid",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    stage = models.CharField(_("当前阶段"), max_length=20, default="raise")
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("落实工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    synthetic = models.BooleanField(_("合成数据"), default=False)

    area_scope = AreaScope(division="division__code", grid="grid__path", public=True)
    objects = ScopedQuerySet["Topic"].as_manager()

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Stage(models.Model):
    """One stage of a topic (提事/议事/决事/办事/评事…) with its dates and minutes."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=20)
    name = models.CharField(_("阶段"), max_length=20)
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    minutes = models.TextField(_("会议纪要"), max_length=8000, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    area_scope = AreaScope(division="topic__division__code", grid="topic__grid__path", public=True)
    objects = ScopedQuerySet["Stage"].as_manager()

    class Meta:
        ordering = ["topic_id", "order"]
        constraints = [models.UniqueConstraint(fields=["topic", "code"], name="stage_topic_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The stage's name in the reader's language (the stored name is Chinese)."""
        return str(dict(DEFAULT_STAGES).get(self.code, self.name))


class Comment(models.Model):
    """A comment on a topic (议事发言); ``official`` marks the committee's official answer."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发言人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    stage = models.CharField(_("阶段"), max_length=20)
    body = models.TextField(_("内容"), max_length=2000)
    official = models.BooleanField(_("官方答复"), default=False)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    area_scope = AreaScope(division="topic__division__code", grid="topic__grid__path", public=True)
    objects = ScopedQuerySet["Comment"].as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class VoteStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    OPEN = "open", _("表决中")
    CLOSED = "closed", _("已结束")


class Vote(models.Model):
    """A vote (表决) on a topic under one rule set, with its frozen roll and stored result."""

    topic = models.ForeignKey(Topic, verbose_name=_("议题"), on_delete=models.PROTECT, related_name="votes")
    title = models.CharField(_("表决事项"), max_length=120)
    rule_set = models.ForeignKey(RuleSet, verbose_name=_("表决规则"), on_delete=models.PROTECT)
    compound = models.ForeignKey(
        "places.Compound",
        verbose_name=_("名册范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    quorum_heads = models.CharField(_("本次参与人数门槛"), max_length=8, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=VoteStatus.choices, default=VoteStatus.DRAFT)
    closes_at = models.DateTimeField(_("截止时间"))
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    roll_snapshot = models.TextField(_("名册快照"), blank=True, editable=False)
    roll_hash = models.CharField(_("名册哈希（SHA-256）"), max_length=64, blank=True, editable=False)
    eligible_area = models.DecimalField(max_digits=14, decimal_places=2, default=0, editable=False)
    eligible_heads = models.PositiveIntegerField(default=0, editable=False)
    result = models.JSONField(_("结果"), null=True, blank=True, editable=False)
    result_hash = models.CharField(_("结果哈希"), max_length=64, blank=True, editable=False)
    ballots_hash = models.CharField(_("选票清单哈希"), max_length=64, blank=True, editable=False)
    synthetic = models.BooleanField(_("合成数据"), default=False)

    area_scope = AreaScope(division="topic__division__code", grid="topic__grid__path", public=True)
    objects = ScopedQuerySet["Vote"].as_manager()

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class Style(models.TextChoices):
    SINGLE = "single", _("单选")
    APPROVAL = "approval", _("多选（赞成制）")


class Matter(models.TextChoices):
    ORDINARY = "ordinary", _("一般事项")
    SPECIAL = "special", _("特别事项")


class Question(models.Model):
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=1)
    text = models.CharField(_("问题"), max_length=300)
    style = models.CharField(_("方式"), max_length=10, choices=Style.choices, default=Style.SINGLE)
    matter = models.CharField(_("事项类别"), max_length=10, choices=Matter.choices, default=Matter.ORDINARY)
    max_choices = models.PositiveSmallIntegerField(_("最多可选"), default=1)

    class Meta:
        ordering = ["vote_id", "order", "id"]

    def __str__(self) -> str:
        return self.text


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    order = models.PositiveSmallIntegerField(default=1)
    label = models.CharField(_("选项"), max_length=120)
    is_abstain = models.BooleanField(_("弃权"), default=False)

    class Meta:
        ordering = ["question_id", "order", "id"]

    def __str__(self) -> str:
        return self.label


class RollEntry(models.Model):
    """One voter of the frozen roll (表决名册): a unit or group of units, or a household."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="roll")
    number = models.PositiveIntegerField(_("序号"))
    label = models.CharField(_("专有部分/户"), max_length=200)
    area = models.DecimalField(_("面积"), max_digits=12, decimal_places=2, default=0)
    heads = models.PositiveSmallIntegerField(_("人数"), default=1)
    voters = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)

    class Meta:
        ordering = ["vote_id", "number"]
        constraints = [models.UniqueConstraint(fields=["vote", "number"], name="roll_vote_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.label}"


class Channel(models.TextChoices):
    WEB = "web", _("网上表决")
    PAPER = "paper", _("纸质表决票")
    DELEGATED = "delegated", _("书面委托")


class Participation(models.Model):
    """Who took part (参与记录), kept apart from what they chose: one row per roll entry."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="participations")
    entry = models.ForeignKey(RollEntry, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("方式"), max_length=10, choices=Channel.choices)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delegate_name = models.CharField(_("受托人"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["vote_id", "entry__number"]
        constraints = [models.UniqueConstraint(fields=["vote", "entry"], name="participation_once")]

    def __str__(self) -> str:
        return f"{self.vote_id}/{self.entry_id}"


class Ballot(models.Model):
    """A secret ballot (选票): weights and choices, no voter, no time; random id.

    ``receipt_digest`` is SHA-256 of the vote id and the voter's receipt code;
    ``content_hash`` commits to the ballot's content (weights, choices, digest).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="ballots")
    area = models.DecimalField(max_digits=12, decimal_places=2)
    heads = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    choices = models.JSONField()
    receipt_digest = models.CharField(max_length=64, unique=True)
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["vote_id", "receipt_digest"]

    def __str__(self) -> str:
        return self.receipt_digest[:12]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("ballots are never changed")
        super().save(*args, **kwargs)


# --- volunteers and hours (志愿者与服务时长) ------------------------------------------------


class VolunteerKind(models.TextChoices):
    RESIDENT = "resident", _("居民志愿者")
    PARTY_MEMBER = "party_member", _("在职党员")
    UNIT = "unit", _("单位志愿者")


class Volunteer(models.Model):
    """A registered volunteer (志愿者); unit party members name their work unit (1116)."""

    name = models.CharField(_("姓名"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer_profiles",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=VolunteerKind.choices)
    work_unit = models.CharField(_("所在单位"), max_length=120, blank=True)
    community = models.ForeignKey(
        "places.Division", verbose_name=_("报到社区"), on_delete=models.PROTECT, related_name="+"
    )
    synthetic = models.BooleanField(_("合成数据"), default=False)

    area_scope = AreaScope(division="community__code")
    objects = ScopedQuerySet["Volunteer"].as_manager()

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["community_id", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """A volunteer activity (志愿服务活动) in one community."""

    title = models.CharField(_("活动"), max_length=120)
    community = models.ForeignKey(
        "places.Division", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组织者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place = models.CharField(_("地点"), max_length=120, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveSmallIntegerField(_("名额"), default=20)
    synthetic = models.BooleanField(_("合成数据"), default=False)

    area_scope = AreaScope(division="community__code", public=True)
    objects = ScopedQuerySet["Activity"].as_manager()

    class Meta:
        verbose_name = _("志愿服务活动")
        verbose_name_plural = _("志愿服务活动")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ServiceStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _("已报名")
    ACCEPTED = "accepted", _("已录用")
    REJECTED = "rejected", _("未录用")
    CHECKED_IN = "checked_in", _("已签到")
    CHECKED_OUT = "checked_out", _("已签退")
    VERIFIED = "verified", _("时长已核定")


class Service(models.Model):
    """One volunteer's service at one activity (服务记录): sign-up to verified hours."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="services")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="services")
    status = models.CharField(
        _("状态"), max_length=16, choices=ServiceStatus.choices, default=ServiceStatus.SIGNED_UP
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    in_lon = models.FloatField(null=True, blank=True)
    in_lat = models.FloatField(null=True, blank=True)
    out_lon = models.FloatField(null=True, blank=True)
    out_lat = models.FloatField(null=True, blank=True)
    hours = models.DecimalField(_("核定时长（小时）"), max_digits=5, decimal_places=2, default=0)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核定时间"), null=True, blank=True)

    area_scope = AreaScope(division="activity__community__code")
    objects = ScopedQuerySet["Service"].as_manager()

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        ordering = ["activity_id", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "volunteer"], name="service_once")]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.activity}"


# --- opportunity lists (机会清单) -------------------------------------------------------------


class OrganisationMember(models.Model):
    """A partner account acting for an organisation (社会组织/社会企业/社区合伙人)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("people.Organisation", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="org_member_once")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organisation_id}"


class OpportunityKind(models.TextChoices):
    NEED = "need", _("需求")
    SPACE = "space", _("闲置空间")
    PROJECT = "project", _("项目")


class OpportunityStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("征集中")
    REVIEWING = "reviewing", _("评审中")
    AWARDED = "awarded", _("已确定承接方")


class Opportunity(models.Model):
    """One item of an opportunity list (机会清单) with budget, deadline and published criteria."""

    title = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类别"), max_length=16, choices=OpportunityKind.choices)
    description = models.TextField(_("内容"), max_length=4000)
    budget = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2)
    deadline = models.DateTimeField(_("申报截止"))
    criteria = models.JSONField(_("评审标准"), default=list)  # [{"name": "...", "weight": 40}, …]
    division = models.ForeignKey(
        "places.Division", verbose_name=_("发布单位区划"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=OpportunityStatus.choices, default=OpportunityStatus.DRAFT
    )
    awarded = models.ForeignKey(
        "Application",
        verbose_name=_("承接方"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    synthetic = models.BooleanField(_("合成数据"), default=False)

    area_scope = AreaScope(division="division__code", public=True)
    objects = ScopedQuerySet["Opportunity"].as_manager()

    class Meta:
        verbose_name = _("机会清单")
        verbose_name_plural = _("机会清单")
        ordering = ["-deadline", "-id"]

    def __str__(self) -> str:
        return self.title


class Application(models.Model):
    """An organisation's application (申报) to one opportunity."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey(
        "people.Organisation", verbose_name=_("申报单位"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposal = models.TextField(_("方案"), max_length=4000)
    budget = models.DecimalField(_("报价（元）"), max_digits=12, decimal_places=2)
    submitted_at = models.DateTimeField(_("申报时间"), auto_now_add=True)

    class Meta:
        ordering = ["opportunity_id", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "organisation"], name="application_once")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.opportunity}"


class Review(models.Model):
    """One panel member's review of one application, after a conflict-of-interest declaration."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    conflict = models.BooleanField(_("存在利益冲突（回避）"))
    conflict_note = models.CharField(_("利益关系说明"), max_length=200, blank=True)
    scores = models.JSONField(_("评分"), default=dict)  # criterion name -> 0..100
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "reviewer"], name="review_once")]

    def __str__(self) -> str:
        return f"{self.reviewer_id}: {self.application_id}"


class ProgressReport(models.Model):
    """A progress report (进展报告) of the awarded application."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="progress")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"))
    body = models.TextField(_("进展"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.percent}%"


class OpportunityEvent(models.Model):
    """The timeline of an opportunity: every state change with its actor (written by ``opportunities``)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.opportunity_id} {self.kind}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))


EVENT_LABELS = {
    "created": _("创建"),
    "published": _("发布"),
    "applied": _("申报"),
    "review_started": _("开始评审"),
    "reviewed": _("评审"),
    "recused": _("利益冲突回避"),
    "awarded": _("确定承接方"),
    "progress": _("进展报告"),
}


# --- registry of social organisations and social enterprises (社区社会企业库) ---------------------


class ServiceField(models.TextChoices):
    SPACE = "space", _("空间运营")
    PROPERTY = "property", _("物业服务")
    COMMERCE = "commerce", _("社区商业")
    CONVENIENCE = "convenience", _("便民服务")
    ELDERLY = "elderly", _("养老托幼")
    CULTURE = "culture", _("文化体育")


class IncubationStage(models.TextChoices):
    NONE = "none", _("未入孵")
    INCUBATING = "incubating", _("孵化中")
    GRADUATED = "graduated", _("已出壳")


class EnterpriseProfile(models.Model):
    """The registry entry of a ``people.Organisation``: field, certification, incubation."""

    organisation = models.OneToOneField(
        "people.Organisation", on_delete=models.CASCADE, related_name="profile"
    )
    field = models.CharField(_("服务领域"), max_length=16, choices=ServiceField.choices)
    certified = models.BooleanField(_("已认定为社区社会企业"), default=False)
    certified_year = models.PositiveSmallIntegerField(_("认定年度"), null=True, blank=True)
    incubation = models.CharField(
        _("孵化阶段"), max_length=16, choices=IncubationStage.choices, default=IncubationStage.NONE
    )
    mentor = models.CharField(_("孵化导师"), max_length=64, blank=True)

    area_scope = AreaScope(division="organisation__community__code", grid="organisation__grid__path")
    objects = ScopedQuerySet["EnterpriseProfile"].as_manager()

    class Meta:
        verbose_name = _("社区社会企业库")
        verbose_name_plural = _("社区社会企业库")
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return str(self.organisation)


# --- surveys (人民阅卷) ---------------------------------------------------------------------------


class Survey(models.Model):
    """A questionnaire (问卷) for the residents of one community; anonymous or named."""

    title = models.CharField(_("问卷"), max_length=120)
    division = models.ForeignKey(
        "places.Division", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    anonymous = models.BooleanField(_("匿名"), default=True)
    satisfaction = models.BooleanField(_("满意度测评"), default=False)
    closes_at = models.DateTimeField(_("截止时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    synthetic = models.BooleanField(_("合成数据"), default=False)

    area_scope = AreaScope(division="division__code", public=True)
    objects = ScopedQuerySet["Survey"].as_manager()

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        ordering = ["-closes_at", "-id"]

    def __str__(self) -> str:
        return self.title


class SurveyQuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTI = "multi", _("多选")
    RATING = "rating", _("评分（1–5）")
    TEXT = "text", _("填空")


class SurveyQuestion(models.Model):
    """A question; ``show_if`` = {"question": <order>, "equals": <option>} makes it conditional."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField()
    text = models.CharField(_("问题"), max_length=300)
    kind = models.CharField(_("题型"), max_length=10, choices=SurveyQuestionKind.choices)
    options = models.JSONField(_("选项"), default=list, blank=True)
    required = models.BooleanField(_("必答"), default=True)
    show_if = models.JSONField(_("显示条件"), null=True, blank=True)

    class Meta:
        ordering = ["survey_id", "order"]
        constraints = [models.UniqueConstraint(fields=["survey", "order"], name="survey_question_order")]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    """One resident's answers. ``dedup_key`` is a keyed hash of (survey, user): one response per
    resident, anonymous included, without storing who answered an anonymous survey."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dedup_key = models.CharField(max_length=64)
    answers = models.JSONField()
    submitted_on = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "dedup_key"], name="survey_response_once")]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.pk}"


# --- notifications (通知) ------------------------------------------------------------------------


class NoticeKind(models.TextChoices):
    VOTE = "vote", _("表决通知")
    ANSWER = "answer", _("议题答复")
    AWARD = "award", _("机会清单结果")
    SURVEY = "survey", _("问卷邀请")


class Notification(models.Model):
    """An in-app notification (站内通知) for one user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class NoticeOptOut(models.Model):
    """A kind of notice a user chose not to receive (on a channel: in-app or sms)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    channel = models.CharField(max_length=10, default="app")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="notice_opt_out_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.channel}"
