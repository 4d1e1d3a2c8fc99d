"""Places: the division tree (区划), grids (微网实格), compounds (小区/院落) and buildings."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.roles import PREFIX_LENGTH, DivisionLevel
from shezhi.accounts.scoping import AreaScope, ScopedQuerySet


class Source(models.TextChoices):
    """Where a place's record came from; generated ones are labelled as such in the UI."""

    OFFICIAL = "official", _("官方")
    OSM = "osm", _("OpenStreetMap")
    IMPORTED = "imported", _("导入")
    GENERATED = "generated", _("生成（示意）")
    MANUAL = "manual", _("手工录入")


class Division(models.Model):
    """An administrative division (行政区划) with its 12-digit 统计用区划代码."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64, db_index=True)
    level = models.CharField(_("级别"), max_length=16, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    boundary = models.JSONField(_("边界 (GeoJSON, WGS-84)"), null=True, blank=True)
    boundary_source = models.CharField(_("边界来源"), max_length=16, choices=Source.choices, blank=True)

    area_scope = AreaScope(division="code", public=True)
    objects = ScopedQuerySet["Division"].as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        """Significant leading digits: every descendant's code starts with them."""
        return self.code[: PREFIX_LENGTH[DivisionLevel(self.level)]]


class GridKind(models.TextChoices):
    """微网实格 "3+1": three tiers plus dedicated grids."""

    TOTAL = "total", _("总网格")
    GENERAL = "general", _("一般网格")
    MICRO = "micro", _("微网格")
    DEDICATED = "dedicated", _("专属网格")


class Grid(models.Model):
    """A 微网实格 grid (总网格/一般网格/微网格/专属网格) inside one community.

    Codes are hierarchical: a sub-grid's code is its parent's code, a hyphen and a
    sequence (``510108002001-01-03``), so ``path`` (the code with a trailing hyphen)
    selects a grid and every grid below it by prefix.
    """

    code = models.CharField(_("网格编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=16, choices=GridKind.choices)
    community = models.ForeignKey(
        Division,
        verbose_name=_("所属社区"),
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"level": DivisionLevel.COMMUNITY},
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级网格"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    path = models.CharField(max_length=41, db_index=True, editable=False)
    boundary = models.JSONField(_("边界 (GeoJSON, WGS-84)"))
    centroid_lon = models.FloatField(_("中心经度"))
    centroid_lat = models.FloatField(_("中心纬度"))
    area_m2 = models.FloatField(_("面积（平方米）"), default=0)
    leader = models.ForeignKey(
        "accounts.User",
        verbose_name=_("网格长"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_grids",
    )
    # 一格一长一警: the 网格长 is an account; the 网格警 is a police officer named with their
    # unit and duty phone (not necessarily a user of the platform).
    police_officer = models.CharField(_("网格警"), max_length=64, blank=True)
    police_station = models.CharField(_("所属派出所"), max_length=64, blank=True)
    police_phone = models.CharField(_("网格警值班电话"), max_length=24, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    area_scope = AreaScope(division="community__code", grid="path")
    objects = ScopedQuerySet["Grid"].as_manager()

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.path = f"{self.code}-"
        super().save(*args, **kwargs)

    @property
    def is_generated(self) -> bool:
        return self.source == Source.GENERATED

    @property
    def note_text(self) -> str:
        """The note in the active language only (generated notes are stored ``中文 / English``)."""
        from django.utils.translation import get_language

        zh, sep, en = self.note.partition(" / ")
        if not sep:
            return self.note
        return en if (get_language() or "").startswith("en") else zh


class Compound(models.Model):
    """A residential compound (小区/院落) with its location and households."""

    name = models.CharField(_("名称"), max_length=120)
    community = models.ForeignKey(
        Division,
        verbose_name=_("所属社区"),
        on_delete=models.PROTECT,
        related_name="compounds",
        limit_choices_to={"level": DivisionLevel.COMMUNITY},
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("所属网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="compounds",
    )
    lon = models.FloatField(_("经度 (WGS-84)"))
    lat = models.FloatField(_("纬度 (WGS-84)"))
    boundary = models.JSONField(_("边界 (GeoJSON, WGS-84)"), null=True, blank=True)
    households = models.PositiveIntegerField(_("户数"), null=True, blank=True)
    households_estimated = models.BooleanField(_("户数为估算"), default=False)
    #: The source gave no usable name (OSM: none, or a placeholder): the name was generated
    #: for the demo and is shown labelled 示意; the source's id stays in ``source_ref``.
    name_generated = models.BooleanField(_("名称为示意"), default=False)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    source_ref = models.CharField(_("来源编号"), max_length=40, blank=True, db_index=True)
    retired_at = models.DateTimeField(
        _("停用时间"),
        null=True,
        blank=True,
        help_text=_("更新的 OSM 数据中已不存在；保留以便旧的评估结果仍可打开"),
    )

    area_scope = AreaScope(division="community__code", grid="grid__path")
    objects = ScopedQuerySet["Compound"].as_manager()

    class Meta:
        verbose_name = _("小区（院落）")
        verbose_name_plural = _("小区（院落）")
        ordering = ["community__code", "name"]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    """A building (楼栋) in a compound."""

    compound = models.ForeignKey(
        Compound, verbose_name=_("所属小区"), on_delete=models.CASCADE, related_name="buildings"
    )
    name = models.CharField(_("楼栋"), max_length=60)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)
    lon = models.FloatField(_("经度 (WGS-84)"))
    lat = models.FloatField(_("纬度 (WGS-84)"))
    footprint = models.JSONField(_("轮廓 (GeoJSON, WGS-84)"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    source_ref = models.CharField(_("来源编号"), max_length=40, blank=True)

    area_scope = AreaScope(division="compound__community__code", grid="compound__grid__path")
    objects = ScopedQuerySet["Building"].as_manager()

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["compound", "name"]

    def __str__(self) -> str:
        return f"{self.compound} {self.name}"


class ExtractStatus(models.TextChoices):
    LOADING = "loading", _("载入中")
    CURRENT = "current", _("当前使用")
    SUPERSEDED = "superseded", _("已被替换")
    FAILED = "failed", _("载入失败")
    CANCELLED = "cancelled", _("已取消")


class OsmExtract(models.Model):
    """One OpenStreetMap extract loaded into the platform (© OpenStreetMap contributors, ODbL).

    An extract is parsed completely (network, compounds, buildings, facilities) before one
    transaction writes its places and makes it current for its ``area`` (the division it
    was clipped to; none for the whole installation); a load that fails or is cancelled
    leaves the extract ``failed``/``cancelled`` and nothing else changed. Extracts are never
    deleted while a run refers to one, so a run's map and report keep their network.
    """

    name = models.CharField(_("名称"), max_length=200)
    sha256 = models.CharField(_("文件摘要 (SHA-256)"), max_length=64, db_index=True)
    size_bytes = models.BigIntegerField(_("文件大小（字节）"), default=0)
    path = models.CharField(_("存放位置"), max_length=500, blank=True)
    area = models.ForeignKey(
        Division,
        verbose_name=_("裁剪到区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ExtractStatus.choices, default=ExtractStatus.LOADING, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    stage = models.CharField(_("阶段"), max_length=80, blank=True)
    error = models.TextField(_("错误"), blank=True)
    network_key = models.CharField(_("路网缓存"), max_length=80, blank=True)
    west = models.FloatField(_("西界"), null=True, blank=True)
    south = models.FloatField(_("南界"), null=True, blank=True)
    east = models.FloatField(_("东界"), null=True, blank=True)
    north = models.FloatField(_("北界"), null=True, blank=True)
    counts = models.JSONField(_("数量"), default=dict, blank=True)
    changes = models.JSONField(_("变化"), default=dict, blank=True)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("载入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空表示命令行"),
    )
    created_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    loaded_at = models.DateTimeField(_("载入完成时间"), null=True, blank=True)

    area_scope = AreaScope(division="area__code")
    objects = ScopedQuerySet["OsmExtract"].as_manager()

    class Meta:
        verbose_name = _("OSM 数据")
        verbose_name_plural = _("OSM 数据")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:8]})"

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        if None in (self.west, self.south, self.east, self.north):
            return None
        return (self.west, self.south, self.east, self.north)  # type: ignore[return-value]
