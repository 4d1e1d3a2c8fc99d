"""Forms of the cases pages: intake (resident H5 and grid patrol), actions, hotline import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shezhi.cases.intake import MAX_DESCRIPTION
from shezhi.cases.models import Category, Satisfaction, Unit


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.parent.name} · {obj.name}" if obj.parent else obj.name


class IntakeForm(forms.Form):
    """What a resident or a grid worker fills in; location by map pin or by address."""

    category = CategoryChoiceField(
        label=_("问题类型"),
        queryset=Category.objects.filter(active=True, parent__isnull=False).select_related("parent"),
    )
    description = forms.CharField(
        label=_("问题描述"), max_length=MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 4})
    )
    address = forms.CharField(label=_("地址或小区名称"), max_length=200, required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    photo = forms.FileField(label=_("照片（可选，5 MB 以内）"), required=False)
    reporter_name = forms.CharField(label=_("您的称呼（可选）"), max_length=40, required=False)
    reporter_phone = forms.CharField(
        label=_("联系电话（可选，仅办理人员可见）"), max_length=20, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("lat") is None and data.get("lon") is None and not (data.get("address") or "").strip():
            raise forms.ValidationError(
                _("请在地图上选点或填写地址")
            )
        return data


class ActionForm(forms.Form):
    action = forms.CharField(max_length=16)
    note = forms.CharField(max_length=2000, required=False)
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False)
    grid = forms.CharField(max_length=40, required=False)
    category = forms.ModelChoiceField(queryset=Category.objects.filter(parent__isnull=False), required=False)
    satisfaction = forms.ChoiceField(choices=[("", "—"), *Satisfaction.choices], required=False)
    into = forms.CharField(max_length=20, required=False)
    days = forms.IntegerField(min_value=1, max_value=30, required=False)
    units = forms.ModelMultipleChoiceField(queryset=Unit.objects.none(), required=False)
    approve = forms.CharField(max_length=3, required=False)

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
            self.fields["units"].queryset = units


class HotlineImportForm(forms.Form):
    file = forms.FileField(label=_("12345 工单文件（.xlsx 或 .csv）"))
    dry_run = forms.BooleanField(label=_("只校验，不写入"), required=False)
