"""Requests and events (接诉即办): cases, their timeline, units, categories, routing, SLA."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.scoping import AreaScope, ScopedQuerySet
from shezhi.cases.workflow import State
from shezhi.common.pii import EncryptedTextField, mask_name, mask_phone


class UnitKind(models.TextChoices):
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")
    DISTRICT = "district", _("区级")
    DEPARTMENT = "department", _("职能部门")
    ENTERPRISE = "enterprise", _("公共服务企业")


class Unit(models.Model):
    """A responsible unit (责任单位): a community, a street office, a district department."""

    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=16, choices=UnitKind.choices)
    division = models.ForeignKey(
        "places.Division", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="units"
    )
    active = models.BooleanField(_("启用"), default=True)

    area_scope = AreaScope(division="division__code")
    objects = ScopedQuerySet["Unit"].as_manager()

    class Meta:
        verbose_name = _("责任单位")
        verbose_name_plural = _("责任单位")
        ordering = ["division__code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="cases_unit_unique_name_per_division")
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A request type (事项分类), two levels; an Open311 service is a second-level category."""

    code = models.CharField(_("分类编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True, help_text=_("逗号分隔"))
    response_hours = models.PositiveSmallIntegerField(_("签收时限（工作小时）"), default=2)
    handle_days = models.PositiveSmallIntegerField(_("办结时限（工作日）"), default=5)
    urgent = models.BooleanField(_("紧急（按自然小时计）"), default=False)
    urgent_hours = models.PositiveSmallIntegerField(_("紧急办结时限（自然小时）"), default=24)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("事项分类")
        verbose_name_plural = _("事项分类")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_service(self) -> bool:
        return self.parent_id is not None

    @property
    def display_name(self) -> str:
        """The name in the request's language (English under the English switch)."""
        from django.utils.translation import get_language

        return (self.name_en or self.name) if (get_language() or "").startswith("en") else self.name


class AttributeType(models.TextChoices):
    """Open311 GeoReport v2 attribute datatypes."""

    STRING = "string", "string"
    NUMBER = "number", "number"
    DATETIME = "datetime", "datetime"
    TEXT = "text", "text"
    SINGLE = "singlevaluelist", "singlevaluelist"
    MULTI = "multivaluelist", "multivaluelist"


class CategoryAttribute(models.Model):
    """An extra question asked for one category (Open311 service definition attribute)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attributes")
    code = models.SlugField(_("编码"), max_length=40)
    datatype = models.CharField(_("类型"), max_length=16, choices=AttributeType.choices)
    required = models.BooleanField(_("必填"), default=False)
    variable = models.BooleanField(_("由填报人填写"), default=True)
    description = models.CharField(_("问题"), max_length=200)
    description_en = models.CharField(_("问题（英文）"), max_length=200, blank=True)
    datatype_description = models.CharField(_("填写说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    values = models.JSONField(_("可选值"), default=list, blank=True, help_text=_("[{key, name}]"))

    class Meta:
        verbose_name = _("分类附加项")
        verbose_name_plural = _("分类附加项")
        ordering = ["category", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="cases_attribute_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.category.code}/{self.code}"

    def label(self, language: str = "zh-hans") -> str:
        """The question in one language (older rows hold "中文 / English" in one field)."""
        zh, _sep, en = self.description.partition(" / ")
        if language.startswith("en"):
            return self.description_en or en or zh
        return zh

    def choices(self, language: str = "zh-hans") -> list[tuple[str, str]]:
        """(key, name) of a list attribute's values, named in one language."""
        out = []
        for v in self.values or []:
            zh, _sep, en = str(v.get("name", v.get("key", ""))).partition(" / ")
            name = (v.get("name_en") or en or zh) if language.startswith("en") else zh
            out.append((str(v.get("key")), name))
        return out


class RoutingRule(models.Model):
    """One cell of the category × area → responsible unit matrix (派单规则).

    A rule matches a case when its category is the case's category, its parent, or empty
    (any), and the case's division code starts with the rule's division prefix. The most
    specific rule wins: a category match beats "any", a deeper area beats a wider one.
    """

    category = models.ForeignKey(
        Category,
        verbose_name=_("分类"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rules",
    )
    division = models.ForeignKey(
        "places.Division", verbose_name=_("适用区域"), on_delete=models.CASCADE, related_name="routing_rules"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("承办单位"), on_delete=models.CASCADE, related_name="rules")

    area_scope = AreaScope(division="division__code")
    objects = ScopedQuerySet["RoutingRule"].as_manager()

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")
        constraints = [
            models.UniqueConstraint(fields=["category", "division"], name="cases_rule_unique_cell")
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} @ {self.division.name} → {self.unit}"


class Channel(models.TextChoices):
    RESIDENT = "resident", _("居民随手拍")
    PATROL = "patrol", _("网格员巡查上报")
    HOTLINE = "hotline", _("12345 热线")
    OPEN311 = "open311", _("Open311 接口")
    DESK = "desk", _("窗口登记")


class SlaState(models.TextChoices):
    ON_TIME = "on_time", _("正常")
    WARNED = "warned", _("临期预警")
    OVERDUE = "overdue", _("已超期")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class CaseQuerySet(ScopedQuerySet["Case"]):
    def open(self) -> CaseQuerySet:
        from shezhi.cases.workflow import OPEN_STATES

        return self.filter(state__in=list(OPEN_STATES))


def _photo_path(instance: Case, filename: str) -> str:
    # The name is generated; only an image extension is kept (the content was re-encoded).
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    ext = ext if ext in {"jpg", "png", "webp"} else "jpg"
    return f"cases/{instance.opened_at:%Y/%m}/{uuid.uuid4().hex}.{ext}"


class Case(models.Model):
    """A request or event (诉求/事件) with its number, channel, place, category and clock."""

    code = models.CharField(_("工单编号"), max_length=20, unique=True)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    source_ref = models.CharField(_("来源单号"), max_length=40, blank=True, db_index=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("诉求内容"), max_length=4000)
    attributes = models.JSONField(_("附加信息"), default=dict, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lon = models.FloatField(_("经度 (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("纬度 (WGS-84)"), null=True, blank=True)
    photo = models.ImageField(_("照片"), upload_to=_photo_path, blank=True)
    # Where: the lowest known division (community when routed, else the intake's area).
    division = models.ForeignKey(
        "places.Division", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="cases"
    )
    grid = models.ForeignKey(
        "places.Grid",
        verbose_name=_("所属网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    compound = models.ForeignKey(
        "places.Compound",
        verbose_name=_("所属小区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_cases",
    )
    routing_note = models.CharField(_("分拨说明"), max_length=200, blank=True)
    # Who: the reporter's account if any; name and phone are sealed personal data (PIPL).
    reporter = models.ForeignKey(
        "accounts.User",
        verbose_name=_("反映人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    reporter_name = EncryptedTextField(_("反映人姓名"), blank=True)
    reporter_phone = EncryptedTextField(_("联系电话"), blank=True)
    reporter_phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.ACCEPTED, db_index=True
    )
    resume_state = models.CharField(max_length=16, choices=State.choices, blank=True)
    public = models.BooleanField(_("公开"), default=False, help_text=_("公开的诉求可经 Open311 匿名查询"))
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    # Clock: the next deadline the scanner watches, indexed (healthchecks' pattern).
    opened_at = models.DateTimeField(_("受理时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"))
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("回单时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    response_due = models.DateTimeField(_("签收时限"), null=True, blank=True)
    handling_due = models.DateTimeField(_("办结时限"), null=True, blank=True)
    deadline = models.DateTimeField(_("当前时限"), null=True, blank=True, db_index=True)
    deadline_note = models.CharField(_("时限说明"), max_length=200, blank=True)
    paused_at = models.DateTimeField(_("挂起时间"), null=True, blank=True)
    sla_state = models.CharField(
        _("时限状态"), max_length=16, choices=SlaState.choices, default=SlaState.ON_TIME, db_index=True
    )
    escalation_level = models.PositiveSmallIntegerField(_("督办层级"), default=0)
    escalate_at = models.DateTimeField(_("下次升级督办"), null=True, blank=True, db_index=True)
    escalated_to = models.ForeignKey(
        "places.Division",
        verbose_name=_("督办至"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalated_cases",
    )
    extension_requested_days = models.PositiveSmallIntegerField(_("申请延期（工作日）"), default=0)
    extension_reason = models.CharField(_("延期理由"), max_length=200, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=16, choices=Satisfaction.choices, blank=True)
    satisfaction_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    rating = models.PositiveSmallIntegerField(_("评价星级"), null=True, blank=True)
    self_handled = models.BooleanField(_("网格员自行处置"), default=False, db_index=True)
    #: The intake form's one-time token: a double-tapped submit finds the case made first.
    intake_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    open311_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    area_scope = AreaScope(division="division__code", grid="grid__path")
    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求工单")
        verbose_name_plural = _("诉求工单")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["category", "opened_at"], name="cases_case_cat_opened")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def reporter_masked(self) -> str:
        """Reporter as everyone sees it by default: 张*三 138****5678."""
        return " ".join(p for p in (mask_name(self.reporter_name), mask_phone(self.reporter_phone)) if p)

    @property
    def is_open(self) -> bool:
        from shezhi.cases.workflow import OPEN_STATES

        return self.state in OPEN_STATES

    @property
    def routing_note_text(self) -> str:
        """The routing note in the request's language (stored as "中文 / English")."""
        from django.utils.translation import get_language

        zh, _sep, en = self.routing_note.partition(" / ")
        return (en or zh) if (get_language() or "").startswith("en") else zh


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    CO = "co", _("协办（报到）")


class Assignment(models.Model):
    """A unit working on a case: the lead, or a co-handling unit called in (街道吹哨、部门报到)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("角色"), max_length=8, choices=AssignmentRole.choices)
    task = models.CharField(_("协办事项"), max_length=200, blank=True)
    due = models.DateTimeField(_("时限"), null=True, blank=True)
    reported_at = models.DateTimeField(_("报到/反馈时间"), null=True, blank=True)
    report = models.TextField(_("办理反馈"), blank=True)
    overdue_at = models.DateTimeField(_("超期时间"), null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    area_scope = AreaScope(division="case__division__code", grid="case__grid__path")
    objects = ScopedQuerySet["Assignment"].as_manager()

    class Meta:
        verbose_name = _("承办记录")
        verbose_name_plural = _("承办记录")
        ordering = ["case", "role", "created_at"]
        indexes = [models.Index(fields=["due"], name="cases_assignment_due")]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.unit} ({self.role})"


class EventKind(models.TextChoices):
    CREATED = "created", _("登记受理")
    ROUTED = "routed", _("自动分拨")
    TRIAGED = "triaged", _("进入待分拨")
    TRANSITION = "transition", _("流转")
    WHISTLE = "whistle", _("吹哨（协办）")
    CO_REPORT = "co_report", _("协办反馈")
    CO_OVERDUE = "co_overdue", _("协办超期")
    EXTENSION_REQUESTED = "ext_req", _("申请延期")
    EXTENSION_DECIDED = "ext_dec", _("延期审批")
    SLA_WARNING = "sla_warning", _("临期预警")
    SLA_OVERDUE = "sla_overdue", _("超期")
    ESCALATED = "escalated", _("升级督办")
    RATED = "rated", _("满意度评价")
    MERGED = "merged", _("合并重复件")
    NOTE = "note", _("备注")
    PII_READ = "pii_read", _("查看反映人信息")


class CaseEvent(models.Model):
    """One row of a case's timeline (流转记录); written only through ``events.py``."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=16, choices=EventKind.choices)
    action = models.CharField(_("动作"), max_length=16, blank=True)
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, blank=True)
    actor = models.ForeignKey(
        "accounts.User",
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("操作方"), max_length=64, blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)

    area_scope = AreaScope(division="case__division__code", grid="case__grid__path")
    objects = ScopedQuerySet["CaseEvent"].as_manager()

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.action}"

    @property
    def action_label(self) -> str:
        """The transition's Chinese name (派单, 签收, …) for the timeline."""
        from shezhi.cases.workflow import TRANSITIONS

        transition = TRANSITIONS.get(self.action)
        return str(transition.label) if transition else self.action

    @property
    def is_system_text(self) -> bool:
        """Notes and labels the platform wrote itself are stored as "中文 / English"."""
        return self.actor_id is None or self.kind in (EventKind.ROUTED, EventKind.TRIAGED)

    @property
    def note_text(self) -> str:
        """The note in the request's language (a system note holds both; a person's, their own)."""
        return _one_language(self.note) if self.is_system_text else self.note

    @property
    def actor_text(self) -> str:
        if self.actor_id is not None:
            return self.actor_label or str(self.actor)
        return _one_language(self.actor_label)

    @property
    def to_state_label(self) -> str:
        """The state the step led to (已签收, 办理中, …), for the timeline."""
        return State(self.to_state).label if self.to_state in State.values else self.to_state


def _one_language(text: str) -> str:
    """ "中文 / English" → the half in the request's language."""
    from django.utils.translation import get_language

    zh, sep, en = text.partition(" / ")
    if not sep:
        return text
    return en if (get_language() or "").startswith("en") else zh


class CalendarDay(models.Model):
    """A day whose status the office sets itself (法定节假日/调休上班日).

    Overrides the bundled ``chinesecalendar`` data, and is the way to enter a year that
    package does not know yet (国务院办公厅 publishes the next year's schedule each autumn).
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否上班"))
    name = models.CharField(_("名称"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.name}"


def _hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Open311Client(models.Model):
    """An application allowed to POST requests (Open311 ``api_key``); only the hash is stored."""

    name = models.CharField(_("名称"), max_length=64)
    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("代表账号"),
        on_delete=models.PROTECT,
        related_name="open311_clients",
        help_text=_("以此账号的辖区登记和查询诉求"),
    )
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 接入应用")
        verbose_name_plural = _("Open311 接入应用")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, name: str, user: object) -> tuple[Open311Client, str]:
        raw = "o311_" + secrets.token_urlsafe(24)
        client = cls.objects.create(name=name, user=user, prefix=raw[:8], key_hash=_hash_key(raw))
        return client, raw

    @classmethod
    def authenticate(cls, raw: str | None) -> Open311Client | None:
        if not raw:
            return None
        return (
            cls.objects.select_related("user", "user__division", "user__grid")
            .filter(key_hash=_hash_key(raw), active=True, user__is_active=True)
            .first()
        )


class Open311Submission(models.Model):
    """One accepted Open311 POST, by its fingerprint: a repeat within the window gets its case.

    ``fingerprint`` hashes the client and every field it sent; ``bucket`` numbers the
    window (time // window length). The unique pair makes two identical POSTs racing each
    other store one case on SQLite and PostgreSQL alike: the second insert fails and
    answers with the first one's case.
    """

    client = models.ForeignKey(Open311Client, on_delete=models.CASCADE, related_name="submissions")
    case = models.ForeignKey(Case, null=True, on_delete=models.CASCADE, related_name="open311_submissions")
    fingerprint = models.CharField(max_length=64)
    bucket = models.BigIntegerField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("Open311 提交记录")
        verbose_name_plural = _("Open311 提交记录")
        constraints = [
            models.UniqueConstraint(fields=["fingerprint", "bucket"], name="cases_open311_submission_unique")
        ]

    def __str__(self) -> str:
        return f"{self.client_id}/{self.fingerprint[:8]}"
