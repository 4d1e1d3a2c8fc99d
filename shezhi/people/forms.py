"""Forms of the people pages; validation itself lives in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shezhi.common.errors import Problem
from shezhi.common.pickers import PickerField
from shezhi.people.models import (
    AGE_BANDS,
    FacilityCategory,
    FacilityLevel,
    Household,
    OrganisationKind,
    Relation,
    ResidenceStatus,
    ResidentTag,
    RevealField,
)
from shezhi.people.services import InvalidPeopleData
from shezhi.places.models import Compound


def add_problems(form: forms.Form, exc: InvalidPeopleData) -> None:
    """Put each service problem on its field (or the form), in the user's language."""
    add_problem_list(form, exc.problems)


def add_problem_list(form: forms.Form, problems: list[Problem]) -> None:
    for p in problems:
        field = p.field if p.field in form.fields else None
        form.add_error(field, p.text())


class ResidentFilterForm(forms.Form):
    q = forms.CharField(
        label=_("姓名、小区或房号"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、小区或房号")}),
    )
    tag = forms.ChoiceField(
        label=_("标签"), required=False, choices=[("", _("全部标签")), *ResidentTag.choices]
    )
    age_band = forms.ChoiceField(
        label=_("年龄段"),
        required=False,
        choices=[("", _("全部年龄")), *((k, v[0]) for k, v in AGE_BANDS.items())],
    )
    grid = PickerField(label=_("网格"), queryset=None, kind="grid", required=False)
    sex = forms.ChoiceField(
        label=_("性别"), required=False, choices=[("", _("全部")), ("M", _("男")), ("F", _("女"))]
    )

    def __init__(self, *args: Any, grids: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids  # type: ignore[attr-defined]
        self.fields["grid"].widget.attrs["aria-label"] = _("网格")


class ResidentForm(forms.Form):
    household = PickerField(
        label=_("所在户"),
        queryset=Household.objects.none(),
        kind="household",
        to_field_name=None,
        name_field=None,
    )
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_number = forms.CharField(label=_("身份证号"), max_length=24, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=24, required=False)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices)
    tags = forms.MultipleChoiceField(
        label=_("标签"), choices=ResidentTag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, households: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.editing = editing
        if editing:
            hint = _("留空则不修改（原值不在页面中显示）")
            self.fields["id_number"].help_text = hint
            self.fields["phone"].help_text = hint
        else:
            self.fields["id_number"].required = True


class HouseholdForm(forms.Form):
    compound = PickerField(
        label=_("小区（院落）"), queryset=Compound.objects.none(), kind="compound", to_field_name=None
    )
    building = forms.CharField(label=_("楼栋"), max_length=30, required=False)
    unit = forms.CharField(label=_("单元"), max_length=20, required=False)
    room = forms.CharField(label=_("房号"), max_length=20)
    status = forms.ChoiceField(label=_("户籍状态"), choices=ResidenceStatus.choices)

    def __init__(self, *args: Any, compounds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        label=_("字段"), choices=[(RevealField.ID_NUMBER, _("身份证号")), (RevealField.PHONE, _("联系电话"))]
    )
    reason = forms.CharField(label=_("查看事由"), max_length=200, min_length=1)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel（.xlsx）或 CSV 文件"))


class ResidentLookupForm(forms.Form):
    """按证件号查找: a full ID number or mobile number, with the reason (logged)."""

    number = forms.CharField(
        label=_("身份证号或手机号"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    reason = forms.CharField(label=_("事由"), max_length=200)


class ExportForm(forms.Form):
    plain = forms.BooleanField(label=_("导出明文身份证号与电话"), required=False)
    reason = forms.CharField(label=_("事由（每次导出都会记录访问日志）"), max_length=200, required=False)


class AccessLogFilterForm(forms.Form):
    actor = forms.CharField(label=_("访问人（用户名）"), required=False)
    field = forms.ChoiceField(
        label=_("字段"), required=False, choices=[("", _("全部")), *RevealField.choices]
    )
    area = forms.CharField(label=_("区划代码前缀"), required=False)
    since = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class _AreaForm(forms.Form):
    """A community and a grid chosen with the pickers; cleaned to their codes."""

    community_code = PickerField(
        label=_("所属社区"), queryset=None, kind="division", levels="community", required=False
    )
    grid_code = PickerField(label=_("所属网格"), queryset=None, kind="grid", required=False)

    def __init__(self, *args: Any, communities: Any, grids: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["community_code"].queryset = communities  # type: ignore[attr-defined]
        self.fields["grid_code"].queryset = grids  # type: ignore[attr-defined]

    def clean_community_code(self) -> str:
        obj = self.cleaned_data.get("community_code")
        return obj.code if obj is not None else ""

    def clean_grid_code(self) -> str:
        obj = self.cleaned_data.get("grid_code")
        return obj.code if obj is not None else ""


class OrganisationForm(_AreaForm):
    name = forms.CharField(label=_("名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=OrganisationKind.choices)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=24, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=24, required=False)


class FacilityForm(_AreaForm):
    name = forms.CharField(label=_("名称"), max_length=120)
    category = forms.ChoiceField(label=_("类别"), choices=FacilityCategory.choices)
    level = forms.ChoiceField(label=_("服务层级"), choices=FacilityLevel.choices)
    lon = forms.FloatField(label=_("经度 (WGS-84)"))
    lat = forms.FloatField(label=_("纬度 (WGS-84)"))
    floor_area_m2 = forms.FloatField(label=_("建筑面积（平方米）"), required=False, max_value=100_000_000)
    capacity = forms.IntegerField(label=_("服务容量（人）"), required=False, max_value=2_147_483_647)
    opening_hours = forms.CharField(label=_("开放时间"), max_length=80, required=False)
