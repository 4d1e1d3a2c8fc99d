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
    space_per_100_households_m2 = models.FloatField(
        _("每百户面积下限（平方米）"), null=True, blank=True
    )
    residents_per_facility = models.PositiveIntegerField(
        _("每处服务人口上限（人）"), null=True, blank=True
    )
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
