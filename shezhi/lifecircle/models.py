"""The life-circle configuration standard (配置标准), versioned.

A :class:`StandardVersion` is an immutable set of :class:`ServiceElement` rules. Revising
the standard creates a new version (copy, then change); analyses keep a reference to the
version they used, so an old result can always be explained by the rules it was made with.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.scoping import AreaScope, ScopedQuerySet


class Circle(models.TextChoices):
    """The eight circles (八圈) of the 一刻钟社区生活圈 (seed 001 §四)."""

    HOUSING = "housing", _("舒适安居圈")
    CONSUMER = "consumer", _("便民消费圈")
    CULTURE = "culture", _("社区文化圈")
    EDUCATION = "education", _("优教普惠圈")
    ELDERLY = "elderly", _("养老服务圈")
    HEALTH = "health", _("健康医疗圈")
    CITYSCAPE = "cityscape", _("城市颜值圈")
    RESPONSE = "response", _("服务响应圈")


class ElementKind(models.TextChoices):
    """Three types of service element (服务要素类型)."""

    BASIC = "basic", _("基础保障型")
    QUALITY = "quality", _("品质提升型")
    GUIDED = "guided", _("特色引导型")


class Level(models.IntegerChoices):
    """Circle level by walking time (GB 50180-2018: 300/500/1000 m)."""

    FIVE = 5, _("5分钟（小区级）")
    TEN = 10, _("10分钟（社区级）")
    FIFTEEN = 15, _("15分钟（街区级）")


class StandardVersion(models.Model):
    """One version of the configuration standard; never changed once saved."""

    number = models.PositiveIntegerField(_("版本号"), unique=True)
    title = models.CharField(_("标题"), max_length=120)
    basis = models.TextField(_("依据"), blank=True)
    note = models.CharField(_("修订说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修订人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("配置标准版本")
        verbose_name_plural = _("配置标准版本")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number} {self.title}"


class ServiceElement(models.Model):
    """A service element (服务要素) and its rules within one standard version."""

    version = models.ForeignKey(
        StandardVersion, verbose_name=_("标准版本"), on_delete=models.CASCADE, related_name="elements"
    )
    code = models.SlugField(_("要素编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=80)
    circle = models.CharField(_("所属圈"), max_length=16, choices=Circle.choices)
    kind = models.CharField(_("要素类型"), max_length=16, choices=ElementKind.choices)
    level_minutes = models.PositiveSmallIntegerField(_("圈层"), choices=Level.choices)
    radius_m = models.PositiveIntegerField(_("服务半径（米）"))
    space_per_100_households_m2 = models.FloatField(_("每百户面积下限（平方米）"), null=True, blank=True)
    residents_per_facility = models.PositiveIntegerField(_("每处服务人口上限（人）"), null=True, blank=True)
    sources = models.JSONField(_("来源类别映射"), default=dict, blank=True)
    basis = models.CharField(_("依据"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("服务要素")
        verbose_name_plural = _("服务要素")
        ordering = ["level_minutes", "circle", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="lifecircle_element_code_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_level_minutes_display()}）"

    @property
    def required(self) -> bool:
        """Basic elements (基础保障型) are required everywhere; the gap list is made of them."""
        return self.kind == ElementKind.BASIC


class Walker(models.TextChoices):
    """Who walks: the standard's radii are for adults; the elderly view walks slower (一老一小)."""

    ADULT = "adult", _("一般居民")
    ELDERLY = "elderly", _("老年人")


#: Walking speeds in m/s. GB 50180-2018's 1000 m in 15 minutes is about 1.1 m/s; older
#: pedestrians walk about 0.8 m/s, so their circles shrink by the same ratio.
WALK_SPEED_MPS = {Walker.ADULT: 1.1, Walker.ELDERLY: 0.8}
#: The speed the standard's radii assume.
REFERENCE_SPEED_MPS = WALK_SPEED_MPS[Walker.ADULT]


def walking_radius_m(radius_m: float, speed_mps: float) -> float:
    """A standard radius for a walker of ``speed_mps``: the same minutes, fewer metres when slower."""
    return radius_m * speed_mps / REFERENCE_SPEED_MPS


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


class AnalysisRun(models.Model):
    """One evaluation of the life circle of an area (街道、区或全市), run in the background."""

    area = models.ForeignKey(
        "places.Division", verbose_name=_("评估范围"), on_delete=models.PROTECT, related_name="+"
    )
    standard = models.ForeignKey(
        StandardVersion, verbose_name=_("配置标准版本"), on_delete=models.PROTECT, related_name="runs"
    )
    walker = models.CharField(_("步行人群"), max_length=16, choices=Walker.choices, default=Walker.ADULT)
    status = models.CharField(
        _("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    stage = models.CharField(_("阶段"), max_length=80, blank=True)
    error = models.TextField(_("错误"), blank=True)
    network_key = models.CharField(_("路网缓存"), max_length=80, blank=True)
    extract = models.ForeignKey(
        "places.OsmExtract",
        verbose_name=_("所用 OSM 数据"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空表示内置的成都中心城区数据"),
    )
    #: What the run read: ``{"network_key", "extract", "extract_sha256", "facilities",
    #: "facilities_digest", "compounds"}``; the digest is of (id, element, lon, lat).
    snapshot = models.JSONField(_("数据快照"), default=dict, blank=True)
    summary = models.JSONField(_("汇总"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空表示系统（演示数据载入）"),
    )
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    #: Times a worker claimed the run; also the fencing token of the current attempt.
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    #: A running run whose worker stops renewing this is retried or failed (common/leases.py).
    lease_expires_at = models.DateTimeField(_("租约到期"), null=True, blank=True)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)

    area_scope = AreaScope(division="area__code")
    objects = ScopedQuerySet["AnalysisRun"].as_manager()

    class Meta:
        verbose_name = _("生活圈评估")
        verbose_name_plural = _("生活圈评估")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.area.name} #{self.pk}"

    @property
    def speed_mps(self) -> float:
        return WALK_SPEED_MPS[Walker(self.walker)]

    def radius_m(self, element: ServiceElement) -> float:
        """``element``'s radius for this run's walker."""
        return walking_radius_m(element.radius_m, self.speed_mps)

    @property
    def finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED, RunStatus.CANCELLED)


class CompoundResult(models.Model):
    """Walks from one compound to each service element, as computed by a run.

    ``values[code] = {"d": metres to the nearest (None if beyond the search), "n": facilities
    within the element's radius, "ok": within the radius}``.
    """

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="compounds")
    compound = models.ForeignKey("places.Compound", on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("places.Division", on_delete=models.CASCADE, related_name="+")
    grid = models.ForeignKey("places.Grid", null=True, on_delete=models.SET_NULL, related_name="+")
    households = models.PositiveIntegerField(_("户数"), default=0)
    values = models.JSONField(default=dict)

    area_scope = AreaScope(division="community__code", grid="grid__path")
    objects = ScopedQuerySet["CompoundResult"].as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "compound"], name="lifecircle_result_per_compound")
        ]

    def __str__(self) -> str:
        return f"#{self.run_id} {self.compound_id}"


class CommunityResult(models.Model):
    """Per community and element: coverage, counts, supply ratio and service space.

    ``values[code] = {"households", "covered", "coverage", "facilities",
    "facilities_area_unknown", "floor_area_m2", "per_100_households_m2", "access_2sfca",
    "residents_per_facility", "mean_walk_m"}``; ``facilities`` and ``floor_area_m2`` are of
    the facilities located in the community, ``mean_walk_m`` is weighted by households.

    A run stores a row for every community of its area, one without compounds included.
    These rows are the one source of every figure the run page, the PDF and the Excel
    report show (:mod:`shezhi.lifecircle.figures` aggregates them).
    """

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="communities")
    community = models.ForeignKey("places.Division", on_delete=models.CASCADE, related_name="+")
    compounds = models.PositiveIntegerField(_("小区数"), default=0)
    households = models.PositiveIntegerField(_("户数"), default=0)
    residents = models.PositiveIntegerField(_("常住人口（估）"), default=0)
    values = models.JSONField(default=dict)

    area_scope = AreaScope(division="community__code")
    objects = ScopedQuerySet["CommunityResult"].as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "community"], name="lifecircle_result_per_community")
        ]

    def __str__(self) -> str:
        return f"#{self.run_id} {self.community_id}"


class GapKind(models.TextChoices):
    MISSING = "missing", _("缺失（步行范围内没有）")
    UNCOVERED = "uncovered", _("覆盖不全")
    UNDER_SPACE = "under_space", _("面积不达标")
    UNDER_COUNT = "under_count", _("数量不足")


class Gap(models.Model):
    """One line of the gap list (短板清单): a community lacking a required element."""

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="gaps")
    community = models.ForeignKey("places.Division", on_delete=models.CASCADE, related_name="+")
    element = models.CharField(_("服务要素"), max_length=40)
    element_name = models.CharField(_("服务要素名称"), max_length=80)
    circle = models.CharField(_("所属圈"), max_length=16, choices=Circle.choices)
    kind = models.CharField(_("短板类型"), max_length=16, choices=GapKind.choices)
    uncovered_households = models.PositiveIntegerField(_("未覆盖户数"), default=0)
    coverage = models.FloatField(_("覆盖率"), default=0)
    detail = models.CharField(_("说明"), max_length=300)
    rank = models.PositiveIntegerField(_("排序"), default=0, db_index=True)

    area_scope = AreaScope(division="community__code")
    objects = ScopedQuerySet["Gap"].as_manager()

    class Meta:
        verbose_name = _("短板")
        verbose_name_plural = _("短板清单")
        ordering = ["run", "rank"]

    def __str__(self) -> str:
        return f"{self.element_name}: {self.detail}"

    @property
    def detail_text(self) -> str:
        """The explanation in the active language only (stored as ``中文 / English``)."""
        from django.utils.translation import get_language

        zh, sep, en = self.detail.partition(" / ")
        if not sep:
            return self.detail
        return en if (get_language() or "").startswith("en") else zh


class CandidateSite(models.Model):
    """A site a planner proposes for a new facility (闲置地块、低效用地、可改造的公共用房)."""

    area = models.ForeignKey(
        "places.Division", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=120)
    lon = models.FloatField(_("经度 (WGS-84)"))
    lat = models.FloatField(_("纬度 (WGS-84)"))
    floor_area_m2 = models.FloatField(_("可用面积（平方米）"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    area_scope = AreaScope(division="area__code")
    objects = ScopedQuerySet["CandidateSite"].as_manager()

    class Meta:
        verbose_name = _("候选用地")
        verbose_name_plural = _("候选用地")
        ordering = ["area__code", "name"]

    def __str__(self) -> str:
        return self.name


class CandidateSource(models.TextChoices):
    LOTS = "lots", _("规划师录入的候选用地")
    PUBLIC = "public", _("现有公共服务用房（可复合利用）")
    NODES = "nodes", _("路网节点（全域搜索）")


class SitingStudy(models.Model):
    """Recommended sites for one element in a run's area: the MCLP result and its effect."""

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="sitings")
    element = models.CharField(_("服务要素"), max_length=40)
    p = models.PositiveSmallIntegerField(_("新增设施数"))
    source = models.CharField(_("候选来源"), max_length=16, choices=CandidateSource.choices)
    result = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    area_scope = AreaScope(division="run__area__code")
    objects = ScopedQuerySet["SitingStudy"].as_manager()

    class Meta:
        verbose_name = _("选址推荐")
        verbose_name_plural = _("选址推荐")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.element} p={self.p} ({self.run_id})"
