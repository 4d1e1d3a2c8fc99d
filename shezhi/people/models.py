"""People (人): households, residents, facilities (服务要素) and organisations, and who read what.

ID numbers and phones are stored only encrypted (:class:`EncryptedTextField`), with a keyed
blind index beside them for lookups; every change to households and residents keeps its
history (django-simple-history) with the user who made it; every reveal of a masked field
writes an :class:`AccessLog` row.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shezhi.accounts.scoping import AreaScope, ScopedQuerySet
from shezhi.common.pii import EncryptedTextField, mask_id_number, mask_name, mask_phone
from shezhi.places.models import Source


class ResidenceStatus(models.TextChoices):
    """户籍/常住/流动."""

    REGISTERED = "registered", _("户籍")
    RESIDENT = "resident", _("常住")
    FLOATING = "floating", _("流动")


class Relation(models.TextChoices):
    """与户主关系."""

    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class ResidentTag(models.TextChoices):
    """Care and service tags that later parts (eldercare, participation) select on."""

    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    OLDEST_OLD = "oldest_old", _("高龄")
    DISABLED = "disabled", _("残疾")
    SUBSISTENCE = "subsistence", _("低保")
    LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")
    VETERAN = "veteran", _("退役军人")
    PARTY_MEMBER = "party_member", _("党员")


#: Age bands (年龄段) of the list filters: code → (label, lowest age, highest age or None).
AGE_BANDS: dict[str, tuple[str, int, int | None]] = {
    "0-6": (_("0–6 岁（学龄前）"), 0, 6),
    "7-17": (_("7–17 岁"), 7, 17),
    "18-59": (_("18–59 岁"), 18, 59),
    "60-79": (_("60–79 岁"), 60, 79),
    "80+": (_("80 岁及以上"), 80, None),
}


class TagSet:
    """Tags stored as ``|code|code|`` so that a tag filter is one ``contains`` on any database."""

    @staticmethod
    def encode(codes: list[str] | set[str] | tuple[str, ...]) -> str:
        ordered = [c for c in ResidentTag.values if c in set(codes)]
        return f"|{'|'.join(ordered)}|" if ordered else ""

    @staticmethod
    def decode(stored: str) -> list[str]:
        return [c for c in stored.split("|") if c]

    @staticmethod
    def needle(code: str) -> str:
        return f"|{code}|"


class Household(models.Model):
    """A household (户): one dwelling in a compound, with its residence status."""

    compound = models.ForeignKey("places.Compound", verbose_name=_("小区（院落）"), on_delete=models.PROTECT)
    building = models.CharField(_("楼栋"), max_length=30, blank=True)
    unit = models.CharField(_("单元"), max_length=20, blank=True)
    room = models.CharField(_("房号"), max_length=20)
    status = models.CharField(
        _("户籍状态"), max_length=16, choices=ResidenceStatus.choices, default=ResidenceStatus.REGISTERED
    )
    # Copied from the compound on save: the area scope filters on them without joins.
    community = models.ForeignKey(
        "places.Division",
        verbose_name=_("所属社区"),
        on_delete=models.PROTECT,
        editable=False,
        related_name="+",
    )
    grid = models.ForeignKey(
        "places.Grid",
        verbose_name=_("所属网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="+",
    )
    synthetic = models.BooleanField(_("合成数据"), default=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    area_scope = AreaScope(division="community__code", grid="grid__path")
    objects = ScopedQuerySet["Household"].as_manager()

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["compound_id", "building", "unit", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "building", "unit", "room"], name="household_address_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.compound.name} {self.address}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.community_id = self.compound.community_id
        self.grid_id = self.compound.grid_id
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def address(self) -> str:
        return "".join(p for p in (self.building, self.unit, self.room) if p)


class Resident(models.Model):
    """A resident (居民): name, 身份证号 (encrypted), phone (encrypted), household, tags."""

    household = models.ForeignKey(
        Household, verbose_name=_("所在户"), on_delete=models.PROTECT, related_name="residents"
    )
    name = models.CharField(_("姓名"), max_length=64, db_index=True)
    id_number = EncryptedTextField(_("身份证号"))
    id_index = models.CharField(max_length=64, unique=True, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False, db_index=True)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    relation = models.CharField(
        _("与户主关系"), max_length=16, choices=Relation.choices, default=Relation.HEAD
    )
    tags = models.CharField(_("标签"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    synthetic = models.BooleanField(_("合成数据"), default=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    area_scope = AreaScope(division="household__community__code", grid="household__grid__path")
    objects = ScopedQuerySet["Resident"].as_manager()

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["household_id", "id"]

    def __str__(self) -> str:
        return mask_name(self.name)

    @property
    def tag_list(self) -> list[str]:
        return TagSet.decode(self.tags)

    @property
    def tag_labels(self) -> list[str]:
        return [str(ResidentTag(c).label) for c in self.tag_list]

    def age_on(self, day: dt.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


class OrganisationKind(models.TextChoices):
    SOCIAL_ORG = "social_org", _("社会组织")
    SOCIAL_ENTERPRISE = "social_enterprise", _("社区社会企业")
    PROPERTY = "property", _("物业服务企业")
    RESIDENT_UNIT = "resident_unit", _("驻区单位")


class Organisation(models.Model):
    """An organisation working in a community, with its 统一社会信用代码."""

    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=24, choices=OrganisationKind.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, null=True, blank=True)
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
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    synthetic = models.BooleanField(_("合成数据"), default=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    history = HistoricalRecords()
    area_scope = AreaScope(division="community__code", grid="grid__path")
    objects = ScopedQuerySet["Organisation"].as_manager()

    class Meta:
        verbose_name = _("组织与单位")
        verbose_name_plural = _("组织与单位")
        ordering = ["community__code", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)

    @property
    def masked_contact_name(self) -> str:
        return mask_name(self.contact_name)


class FacilityCategory(models.TextChoices):
    """Kinds of service element (服务要素) a facility is (GB 50180-2018, TD/T 1062-2021).

    The codes are those of the life-circle configuration standard
    (``shezhi/lifecircle/standard.py``), which sets each kind's radius and quantity rules.
    """

    SERVICE_STATION = "service_station", _("社区综合服务站（党群服务站）")
    KINDERGARTEN = "kindergarten", _("幼儿园")
    CHILDCARE = "childcare", _("托育机构（托儿所）")
    ELDERLY_DAYCARE = "elderly_daycare", _("养老服务站（老年人日间照料中心）")
    HEALTH_STATION = "health_station", _("社区卫生服务站")
    CULTURE_STATION = "culture_station", _("文化活动站（社区图书室）")
    FITNESS_OUTDOOR = "fitness_outdoor", _("室外综合健身场地")
    CONVENIENCE = "convenience", _("便利店（社区商业网点）")
    CANTEEN = "canteen", _("社区食堂（老年助餐点）")
    PARCEL = "parcel", _("快递与邮政服务点")
    EV_CHARGING = "ev_charging", _("电动自行车充电设施")
    TOILET = "toilet", _("公共厕所")
    PRIMARY_SCHOOL = "primary_school", _("小学")
    MARKET = "market", _("菜市场（生鲜超市）")
    BUS_STOP = "bus_stop", _("公交站")
    PARK = "park", _("社区公园（口袋公园）")
    PHARMACY = "pharmacy", _("药店")
    SPORTS_VENUE = "sports_venue", _("中型多功能运动场地")
    MIDDLE_SCHOOL = "middle_school", _("初中")
    HEALTH_CENTRE = "health_centre", _("社区卫生服务中心（社区医院）")
    ELDERLY_HOME = "elderly_home", _("养老院（老年养护院）")
    CULTURE_CENTRE = "culture_centre", _("文化活动中心（街道级）")
    STREET_SERVICE_CENTRE = "street_service_centre", _("街道社区服务中心（市民驿站）")
    POLICE = "police", _("派出所（警务室）")
    METRO = "metro", _("地铁站")
    OTHER = "other", _("其他")


class FacilityLevel(models.TextChoices):
    """Which life circle the element serves (5/10/15 分钟)."""

    FIVE = "5min", _("5 分钟（居住街坊）")
    TEN = "10min", _("10 分钟")
    FIFTEEN = "15min", _("15 分钟（社区级）")


class Facility(models.Model):
    """A service element (服务要素): category, level, location, size, hours, operator."""

    name = models.CharField(_("名称"), max_length=120)
    category = models.CharField(_("类别"), max_length=40, choices=FacilityCategory.choices)
    level = models.CharField(_("服务层级"), max_length=8, choices=FacilityLevel.choices)
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
    lon = models.FloatField(_("经度 (WGS-84)"))
    lat = models.FloatField(_("纬度 (WGS-84)"))
    floor_area_m2 = models.FloatField(_("建筑面积（平方米）"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("服务容量（人）"), null=True, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=80, blank=True)
    operator = models.ForeignKey(
        Organisation, verbose_name=_("运营单位"), null=True, blank=True, on_delete=models.SET_NULL
    )
    synthetic = models.BooleanField(_("合成数据"), default=False)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    source_ref = models.CharField(_("来源编号"), max_length=60, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    history = HistoricalRecords()
    area_scope = AreaScope(division="community__code", grid="grid__path")
    objects = ScopedQuerySet["Facility"].as_manager()

    class Meta:
        verbose_name = _("服务设施")
        verbose_name_plural = _("服务设施")
        ordering = ["community__code", "category", "name"]

    def __str__(self) -> str:
        return self.name


class RevealField(models.TextChoices):
    """What an access-log row read: one field in clear, a lookup by number, an export."""

    ID_NUMBER = "id_number", _("身份证号")
    PHONE = "phone", _("联系电话")
    NAME = "name", _("姓名")
    CONTACT_PHONE = "contact_phone", _("单位联系电话")
    EXPORT = "export", _("导出明文")
    EXPORT_MASKED = "export_masked", _("导出（脱敏）")
    LOOKUP = "lookup", _("按证件号或手机号查找")
    REGISTRATION_CONFLICT = "reg_conflict", _("登记时证件号冲突")
    CASE_REPORTER = "case_reporter", _("诉求反映人联系方式")


class AccessLog(models.Model):
    """Who read whose personal data, which field, when and why (个人信息访问记录). Append-only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("访问人"), on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("被访问人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("被访问单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(_("对象（脱敏）"), max_length=120)
    field = models.CharField(_("字段"), max_length=16, choices=RevealField.choices)
    reason = models.CharField(_("事由"), max_length=200)
    rows = models.PositiveIntegerField(_("涉及人数"), default=1)
    #: What was read beyond one record: the filters of an export, the kind of a lookup, the
    #: case whose reporter was read. Never a full ID number or phone (those are masked).
    scope = models.CharField(_("范围"), max_length=200, blank=True)
    division_code = models.CharField(_("对象所在区划"), max_length=12, db_index=True)
    grid_path = models.CharField(max_length=41, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    area_scope = AreaScope(division="division_code", grid="grid_path")
    objects = ScopedQuerySet["AccessLog"].as_manager()

    class Meta:
        verbose_name = _("个人信息访问记录")
        verbose_name_plural = _("个人信息访问记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.actor} {self.field} {self.subject}"


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("待确认")
    APPLYING = "applying", _("导入中")
    APPLIED = "applied", _("已导入")
    FAILED = "failed", _("导入失败")
    CANCELLED = "cancelled", _("已取消")


class ImportBatch(models.Model):
    """One uploaded file between preview (dry run) and confirm; the file is deleted after."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    division_code = models.CharField(max_length=12, db_index=True)
    filename = models.CharField(_("文件名"), max_length=200)
    stored_path = models.CharField(max_length=300, editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    good_rows = models.PositiveIntegerField(_("有效行数"), default=0)
    new_residents = models.PositiveIntegerField(_("新增居民"), default=0)
    updated_residents = models.PositiveIntegerField(_("更新居民"), default=0)
    unchanged_residents = models.PositiveIntegerField(_("未变居民"), default=0)
    new_households = models.PositiveIntegerField(_("新增户"), default=0)
    errors = models.JSONField(_("被拒绝的行"), default=list)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    #: While applying: renewed by the applying process; expired means it died (common/leases.py).
    lease_expires_at = models.DateTimeField(_("租约到期"), null=True, blank=True)
    #: Why a confirm failed (everything it had written was undone).
    failure = models.TextField(_("失败原因"), blank=True)

    area_scope = AreaScope(division="division_code")
    objects = ScopedQuerySet["ImportBatch"].as_manager()

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename

    @property
    def rejected_rows(self) -> int:
        """Every rejected row (``errors`` lists only the first ones)."""
        return max(self.total_rows - self.good_rows, 0)
