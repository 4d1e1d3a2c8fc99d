"""Elderly services (一老一小): allowance eligibility, yearly 高龄认证, passive 无感认证, 社区报到.

Every decision is also an entry of the year's transparency log (:mod:`shezhi.ledger`);
:class:`LedgerRecord` is the database's copy of each entry (its index and exact bytes), so
a page can show the proof and hand out the receipt without reading the tiles.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.scoping import AreaScope, ScopedQuerySet
from shezhi.common.pii import EncryptedTextField, mask_name


class ElderStatus(models.TextChoices):
    ELIGIBLE = "eligible", _("享受中")
    SUSPENDED = "suspended", _("已暂停")
    EXITED = "exited", _("已退出")


class CertState(models.TextChoices):
    """Where the yearly certification stands (advanced by the scan, compare-and-swap)."""

    CURRENT = "current", _("已认证")
    REMINDED = "reminded", _("待认证")
    OVERDUE = "overdue", _("已逾期")
    SUSPENDED = "suspended", _("逾期暂停")


class ExitReason(models.TextChoices):
    DEATH = "death", _("死亡")
    MOVED_OUT = "moved_out", _("迁出")
    INELIGIBLE = "ineligible", _("不再符合条件")


class Elder(models.Model):
    """One person on the old-age allowance (高龄津贴) roll of a community."""

    resident = models.OneToOneField(
        "people.Resident", verbose_name=_("居民"), on_delete=models.PROTECT, related_name="elder"
    )
    community = models.ForeignKey(
        "places.Division", verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "places.Grid",
        verbose_name=_("所属网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ElderStatus.choices, default=ElderStatus.ELIGIBLE
    )
    tier = models.CharField(_("津贴档次"), max_length=12)
    monthly_yuan = models.PositiveIntegerField(_("月标准（元）"))
    enrolled_on = models.DateField(_("纳入日期"))
    exited_on = models.DateField(_("退出日期"), null=True, blank=True)
    exit_reason = models.CharField(_("退出原因"), max_length=12, choices=ExitReason.choices, blank=True)
    cert_due = models.DateField(_("认证截止日"), db_index=True)
    cert_state = models.CharField(
        _("认证状态"), max_length=12, choices=CertState.choices, default=CertState.REMINDED, db_index=True
    )
    last_certified_on = models.DateField(_("上次认证"), null=True, blank=True)
    #: Secret per-person salt of the commitment the log carries instead of the person.
    salt = models.CharField(max_length=32, editable=False)
    commitment = models.CharField(_("承诺值"), max_length=64, unique=True, editable=False)
    #: HMAC of the person's code (本人认证码): the person or family enters it on the resident page.
    code_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    synthetic = models.BooleanField(_("合成数据"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    area_scope = AreaScope(division="community__code", grid="grid__path")
    objects = ScopedQuerySet["Elder"].as_manager()

    class Meta:
        verbose_name = _("高龄津贴对象")
        verbose_name_plural = _("高龄津贴对象")
        ordering = ["cert_due", "id"]

    def __str__(self) -> str:
        return mask_name(self.resident.name)


#: The events a log entry records, for pages (the entry itself carries the code).
EVENT_LABELS = {
    "eligibility": _("资格认定"),
    "certification": _("年度认证"),
    "signal": _("无感认证信号"),
    "suspension": _("暂停发放"),
    "reinstatement": _("恢复发放"),
    "appeal": _("申诉"),
}


class LedgerRecord(models.Model):
    """The database's copy of one entry of a yearly log: index, event and exact bytes."""

    year = models.PositiveSmallIntegerField(_("年度"))
    index = models.PositiveIntegerField(_("日志序号"))
    event = models.CharField(_("事件"), max_length=24)
    elder = models.ForeignKey(Elder, null=True, blank=True, on_delete=models.PROTECT, related_name="records")
    area_code = models.CharField(max_length=12, db_index=True)
    grid_path = models.CharField(max_length=41, blank=True)
    body = models.BinaryField(_("日志条目"))
    created_at = models.DateTimeField(default=timezone.now)

    area_scope = AreaScope(division="area_code", grid="grid_path")
    objects = ScopedQuerySet["LedgerRecord"].as_manager()

    class Meta:
        verbose_name = _("日志条目")
        verbose_name_plural = _("日志条目")
        ordering = ["year", "index"]
        constraints = [models.UniqueConstraint(fields=["year", "index"], name="eldercare_record_unique")]

    def __str__(self) -> str:
        return f"{self.year}#{self.index} {self.event}"

    @property
    def event_label(self) -> str:
        return str(EVENT_LABELS.get(self.event, self.event))

    @property
    def body_text(self) -> str:
        return bytes(self.body).decode()


class CertMethod(models.TextChoices):
    VISIT = "visit", _("社区工作者上门")
    SELF = "self", _("本人或家属线上认证")
    CENTRE = "centre", _("服务中心现场认证")
    PASSIVE = "passive", _("无感认证")
    APPEAL = "appeal", _("申诉复核")


def _photo_path(instance: Certification, filename: str) -> str:
    return f"eldercare/{timezone.now():%Y/%m}/{filename}"


class Certification(models.Model):
    """One yearly certification (高龄认证): alive and resident, confirmed once a year."""

    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="certifications")
    year = models.PositiveSmallIntegerField(_("年度"))
    method = models.CharField(_("方式"), max_length=10, choices=CertMethod.choices)
    certified_at = models.DateTimeField(_("认证时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(_("操作角色"), max_length=32)
    photo = models.ImageField(_("照片"), upload_to=_photo_path, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    rule_version = models.CharField(_("规则版本"), max_length=20)
    signals = models.ManyToManyField("Signal", blank=True, related_name="certifications")
    record = models.OneToOneField(LedgerRecord, on_delete=models.PROTECT, related_name="certification")

    area_scope = AreaScope(division="elder__community__code", grid="elder__grid__path")
    objects = ScopedQuerySet["Certification"].as_manager()

    class Meta:
        verbose_name = _("高龄认证")
        verbose_name_plural = _("高龄认证")
        ordering = ["-certified_at"]
        constraints = [models.UniqueConstraint(fields=["elder", "year"], name="eldercare_one_cert_a_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.method}"


class SignalKind(models.TextChoices):
    VISIT = "visit", _("网格员或志愿者走访")
    CASE = "case", _("12345 诉求或来电")
    CHECKIN = "checkin", _("社区报到")
    MEDICAL = "medical", _("就医记录（导入）")
    PENSION = "pension", _("养老金领取（导入）")


#: Default weight of each kind of signal (a rule sums them).
SIGNAL_WEIGHTS = {
    SignalKind.VISIT: 1,
    SignalKind.CASE: 1,
    SignalKind.CHECKIN: 1,
    SignalKind.MEDICAL: 1,
    SignalKind.PENSION: 1,
}


class Signal(models.Model):
    """A sign of life (无感认证信号) the platform holds or receives, itself logged."""

    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="signals")
    kind = models.CharField(_("类型"), max_length=10, choices=SignalKind.choices)
    source = models.CharField(_("来源"), max_length=60)
    ref = models.CharField(_("来源编号"), max_length=60, blank=True)
    observed_at = models.DateTimeField(_("发生时间"), db_index=True)
    weight = models.PositiveSmallIntegerField(_("权重"), default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    record = models.OneToOneField(LedgerRecord, on_delete=models.PROTECT, related_name="signal")

    area_scope = AreaScope(division="elder__community__code", grid="elder__grid__path")
    objects = ScopedQuerySet["Signal"].as_manager()

    class Meta:
        verbose_name = _("无感认证信号")
        verbose_name_plural = _("无感认证信号")
        ordering = ["-observed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder", "kind", "ref"], condition=~models.Q(ref=""), name="eldercare_signal_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.observed_at:%Y-%m-%d}"


class Reminder(models.Model):
    """A reminder the deadline scan sent (written once, by the scan's compare-and-swap winner)."""

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=CertState.choices)
    due = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    area_scope = AreaScope(division="elder__community__code", grid="elder__grid__path")
    objects = ScopedQuerySet["Reminder"].as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.due}"


class AppealStatus(models.TextChoices):
    OPEN = "open", _("待复核")
    UPHELD = "upheld", _("申诉成立")
    REJECTED = "rejected", _("申诉不成立")


class Appeal(models.Model):
    """A manual appeal (人工申诉): against a suspension, or against a passive certification."""

    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="appeals")
    reason = models.CharField(_("申诉理由"), max_length=300)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("复核意见"), max_length=300, blank=True)

    area_scope = AreaScope(division="elder__community__code", grid="elder__grid__path")
    objects = ScopedQuerySet["Appeal"].as_manager()

    class Meta:
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"{self.status} {self.filed_at:%Y-%m-%d}"


class CheckIn(models.Model):
    """社区报到: a resident or newcomer registers arrival in a compound (who, where from, when)."""

    compound = models.ForeignKey("places.Compound", verbose_name=_("小区（院落）"), on_delete=models.PROTECT)
    community = models.ForeignKey(
        "places.Division", on_delete=models.PROTECT, related_name="+", editable=False
    )
    grid = models.ForeignKey(
        "places.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    name = models.CharField(_("姓名"), max_length=64)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    from_place = models.CharField(_("从何处来"), max_length=120)
    arrived_on = models.DateField(_("到达日期"))
    elder = models.ForeignKey(
        Elder, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkins"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    synthetic = models.BooleanField(_("合成数据"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    area_scope = AreaScope(division="community__code", grid="grid__path")
    objects = ScopedQuerySet["CheckIn"].as_manager()

    class Meta:
        verbose_name = _("社区报到")
        verbose_name_plural = _("社区报到")
        ordering = ["-arrived_on", "-id"]

    def __str__(self) -> str:
        return f"{self.masked_name} {self.arrived_on}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.community_id = self.compound.community_id
        self.grid_id = self.compound.grid_id
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


class PublishedCheckpoint(models.Model):
    """Each checkpoint the log published, with its witness cosignatures (the auditor's history)."""

    year = models.PositiveSmallIntegerField()
    size = models.PositiveIntegerField()
    root = models.CharField(max_length=44)
    note = models.TextField()
    witnesses = models.JSONField(default=list)  # [{"name":…, "time":…}]
    trigger = models.CharField(max_length=12)  # schedule / demand / freeze / append
    frozen = models.BooleanField(default=False)
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"{self.year} size {self.size}"


class VerificationRun(models.Model):
    """One run of shezhi.ledger.verify over the served tiles, as the auditor saw it."""

    year = models.PositiveSmallIntegerField()
    ok = models.BooleanField()
    size = models.PositiveIntegerField(default=0)
    lines = models.JSONField(default=list)
    ran_at = models.DateTimeField(default=timezone.now)
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-ran_at", "-id"]

    def __str__(self) -> str:
        return f"{self.year} {'ok' if self.ok else 'fail'}"
