"""Indicators as data, formula versions, computed values with provenance, entered values with
their approval chain, and published rankings (docs/indicators.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.scoping import AreaScope, ScopedQuerySet
from shezhi.indicators.units import Unit


class Scenario(models.TextChoices):
    """The seven application scenarios of the park-community evaluation system (seed 004)."""

    SERVICE = "service", _("服务")
    CULTURE = "culture", _("文化")
    ECOLOGY = "ecology", _("生态")
    SPACE = "space", _("空间")
    INDUSTRY = "industry", _("产业")
    GOVERNANCE = "governance", _("共治")
    SMART = "smart", _("智慧")


class Direction(models.IntegerChoices):
    UP = 1, _("越高越好")
    DOWN = -1, _("越低越好")


class Periodicity(models.TextChoices):
    YEAR = "year", _("年度")


class AreaLevel(models.TextChoices):
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")
    DISTRICT = "district", _("区(市)县")
    CITY = "city", _("市")


class SourceKind(models.TextChoices):
    COMPUTED = "computed", _("平台计算")
    ENTERED = "entered", _("填报（附佐证）")


class Indicator(models.Model):
    """One indicator of the catalogue. Its formula lives in :class:`FormulaVersion` rows."""

    code = models.CharField(_("指标编码"), max_length=16, unique=True)
    name = models.CharField(_("指标名称"), max_length=80)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)
    scenario = models.CharField(_("应用场景"), max_length=16, choices=Scenario.choices)
    unit = models.CharField(_("单位"), max_length=20, choices=Unit.choices)
    direction = models.SmallIntegerField(_("方向"), choices=Direction.choices, default=Direction.UP)
    periodicity = models.CharField(
        _("周期"), max_length=8, choices=Periodicity.choices, default=Periodicity.YEAR
    )
    level = models.CharField(
        _("评价层级"), max_length=12, choices=AreaLevel.choices, default=AreaLevel.COMMUNITY
    )
    definition = models.CharField(_("指标定义"), max_length=400)
    source = models.CharField(_("数据来源"), max_length=12, choices=SourceKind.choices)
    baseline = models.FloatField(_("基期值"), null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("基期年份"), default=2020)
    target_2025 = models.FloatField(_("2025 年目标"), null=True, blank=True)
    target_2035 = models.FloatField(_("2035 年目标"), null=True, blank=True)
    plausible_min = models.FloatField(_("合理下限"), null=True, blank=True)
    plausible_max = models.FloatField(_("合理上限"), null=True, blank=True)
    owner_unit = models.CharField(_("责任单位"), max_length=80)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("评价指标")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def current_formula(self, on=None) -> FormulaVersion | None:
        """The formula version in force on ``on`` (a date; today if None)."""
        on = on or timezone.localdate()
        return (
            self.formulas.filter(effective_from__lte=on)
            .filter(models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=on))
            .order_by("-effective_from", "-number")
            .first()
        )


class FormulaVersion(models.Model):
    """A formula of an indicator, in force from ``effective_from`` to ``effective_to``.

    Immutable once saved: a changed formula is a new version starting on a later date, so
    values of earlier periods keep the version that produced them."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="formulas")
    number = models.PositiveIntegerField(_("版本号"))
    text = models.CharField(_("公式"), max_length=500)
    ast = models.JSONField(_("语法树"))
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["indicator__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "number"], name="indicators_formula_number")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} v{self.number}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ComputationRun(models.Model):
    """One computation of every indicator for an area (and the areas inside it) and a period."""

    area = models.ForeignKey("places.Division", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("期间"), max_length=8)
    status = models.CharField(_("状态"), max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    values_count = models.PositiveIntegerField(_("指标值数"), default=0)
    seconds = models.FloatField(_("用时（秒）"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    area_scope = AreaScope(division="area__code")
    objects = ScopedQuerySet["ComputationRun"].as_manager()

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.period}"


class IndicatorValue(models.Model):
    """A value of one indicator for one area and period, with what produced it.

    ``sources`` = ``{measure: {"source": "app.Model", "value": v, "rows": [ids]}}`` for a
    community (the rows the value was computed from); an area above the community stores the
    sums and ``rows`` empty, its drill-down is its communities' values of the same run.
    ``digest`` is the SHA-256 of the (measure, value, row ids) triples."""

    run = models.ForeignKey(ComputationRun, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    formula = models.ForeignKey(
        FormulaVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered = models.ForeignKey(
        "EnteredValue", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey("places.Division", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=12, choices=AreaLevel.choices)
    period = models.CharField(_("期间"), max_length=8)
    value = models.FloatField(_("值"), null=True, blank=True)
    missing_zh = models.CharField(max_length=120, blank=True)
    missing_en = models.CharField(max_length=120, blank=True)
    digest = models.CharField(_("来源摘要"), max_length=64)
    sources = models.JSONField(default=dict)

    area_scope = AreaScope(division="area__code")
    objects = ScopedQuerySet["IndicatorValue"].as_manager()

    class Meta:
        indexes = [models.Index(fields=["indicator", "period", "area"])]

    def __str__(self) -> str:
        return f"{self.indicator_id}@{self.area_id} {self.period}: {self.value}"


class EnteredState(models.TextChoices):
    SUBMITTED = "submitted", _("待社区审核")
    COMMUNITY = "community", _("社区已审核，待街道审核")
    STREET = "street", _("街道已审核，待区审核")
    DISTRICT = "district", _("区已审核（生效）")
    REJECTED = "rejected", _("已退回")


#: The approval chain: each level approves only the state before it.
APPROVAL_CHAIN = [
    (AreaLevel.COMMUNITY, EnteredState.SUBMITTED, EnteredState.COMMUNITY),
    (AreaLevel.STREET, EnteredState.COMMUNITY, EnteredState.STREET),
    (AreaLevel.DISTRICT, EnteredState.STREET, EnteredState.DISTRICT),
]


class EnteredValue(models.Model):
    """A value entered by a community with its evidence, approved community → street → district."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="entries")
    area = models.ForeignKey("places.Division", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("期间"), max_length=8)
    value = models.FloatField(_("值"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    evidence_name = models.CharField(_("佐证材料"), max_length=120)
    evidence_type = models.CharField(max_length=40)
    evidence_sha256 = models.CharField(max_length=64)
    evidence = models.BinaryField()
    state = models.CharField(
        _("状态"), max_length=12, choices=EnteredState.choices, default=EnteredState.SUBMITTED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("填报时间"), default=timezone.now)

    area_scope = AreaScope(division="area__code")
    objects = ScopedQuerySet["EnteredValue"].as_manager()

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.indicator_id}@{self.area_id} {self.period}"


class Approval(models.Model):
    """One step of the approval chain of an entered value (DHIS2-style, per level)."""

    entered = models.ForeignKey(EnteredValue, on_delete=models.CASCADE, related_name="approvals")
    level = models.CharField(max_length=12, choices=AreaLevel.choices)
    approved = models.BooleanField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.entered_id} {self.level} {self.approved}"


class Normalisation(models.TextChoices):
    MINMAX = "minmax", _("极差标准化（0–100）")
    ZSCORE = "zscore", _("Z 分数标准化")
    RANK = "rank", _("排序标准化")


class Aggregation(models.TextChoices):
    ARITHMETIC = "arithmetic", _("加权算术平均")
    GEOMETRIC = "geometric", _("加权几何平均")


class Ranking(models.Model):
    """A composite ranking (百强榜单) of the communities of an area for a period.

    Published rankings are immutable: new weights or methods make a new version."""

    name = models.CharField(_("榜单名称"), max_length=80)
    version = models.PositiveIntegerField(_("版本"))
    area = models.ForeignKey("places.Division", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("期间"), max_length=8)
    run = models.ForeignKey(ComputationRun, on_delete=models.PROTECT, related_name="+")
    weights = models.JSONField(_("权重"))
    normalisation = models.CharField(_("标准化方法"), max_length=12, choices=Normalisation.choices)
    aggregation = models.CharField(_("合成方法"), max_length=12, choices=Aggregation.choices)
    draws = models.PositiveIntegerField(_("蒙特卡洛抽样次数"), default=1000)
    weight_spread = models.FloatField(_("权重扰动幅度"), default=0.25)
    seed = models.PositiveIntegerField(default=20250101)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="indicators_ranking_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def published(self) -> bool:
        return self.published_at is not None


class RankingEntry(models.Model):
    """One community's place in a ranking, with its uncertainty band and its breakdown.

    ``breakdown`` = ``[{code, name, weight, raw, normalised, contribution, value_id, imputed}]``."""

    ranking = models.ForeignKey(Ranking, on_delete=models.CASCADE, related_name="entries")
    area = models.ForeignKey("places.Division", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    rank = models.PositiveIntegerField()
    previous_rank = models.PositiveIntegerField(null=True, blank=True)
    median_rank = models.FloatField()
    rank_p05 = models.FloatField()
    rank_p95 = models.FloatField()
    breakdown = models.JSONField(default=list)

    area_scope = AreaScope(division="area__code")
    objects = ScopedQuerySet["RankingEntry"].as_manager()

    class Meta:
        ordering = ["rank"]
        constraints = [models.UniqueConstraint(fields=["ranking", "area"], name="indicators_entry_per_area")]

    def __str__(self) -> str:
        return f"{self.ranking_id}#{self.rank} {self.area_id}"

    @property
    def movement(self) -> int | None:
        return None if self.previous_rank is None else self.previous_rank - self.rank


class WorkPlanItem(models.Model):
    """A yearly target of an area's programme (seed 003: 345 micro-renewal projects …),
    linked to the indicator that measures it where there is one."""

    area = models.ForeignKey("places.Division", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    code = models.CharField(_("任务编码"), max_length=24)
    name = models.CharField(_("任务"), max_length=120)
    target = models.FloatField(_("年度目标"))
    unit = models.CharField(_("计量单位"), max_length=12)
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_unit = models.CharField(_("责任单位"), max_length=80)
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    area_scope = AreaScope(division="area__code")
    objects = ScopedQuerySet["WorkPlanItem"].as_manager()

    class Meta:
        ordering = ["year", "code"]
        constraints = [models.UniqueConstraint(fields=["area", "year", "code"], name="indicators_plan_item")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class ProgressEntry(models.Model):
    """Progress reported against a work-plan item by its responsible unit, with evidence."""

    item = models.ForeignKey(WorkPlanItem, on_delete=models.CASCADE, related_name="entries")
    on = models.DateField(_("完成日期"))
    amount = models.FloatField(_("完成数量"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    evidence_name = models.CharField(_("佐证材料"), max_length=120)
    evidence_type = models.CharField(max_length=40)
    evidence_sha256 = models.CharField(max_length=64)
    evidence = models.BinaryField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    area_scope = AreaScope(division="item__area__code")
    objects = ScopedQuerySet["ProgressEntry"].as_manager()

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.on} +{self.amount}"
