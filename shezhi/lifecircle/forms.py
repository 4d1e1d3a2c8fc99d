"""Forms of the life-circle part."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shezhi.common.pickers import PickerField
from shezhi.lifecircle.models import CandidateSource, ServiceElement, Walker
from shezhi.places.models import Division


class ElementRevisionForm(forms.ModelForm):
    """One element's rules, revised into a new standard version."""

    note = forms.CharField(label=_("修订说明"), max_length=300)

    class Meta:
        model = ServiceElement
        fields = [
            "name",
            "circle",
            "kind",
            "level_minutes",
            "radius_m",
            "space_per_100_households_m2",
            "residents_per_facility",
            "basis",
        ]


class RunStartForm(forms.Form):
    """Start an evaluation of one area."""

    area = PickerField(
        label=_("评估范围"),
        queryset=None,
        kind="division",
        levels="city,district,street,community",
    )
    walker = forms.ChoiceField(label=_("步行人群"), choices=Walker.choices, initial=Walker.ADULT)

    def __init__(self, *args: Any, areas: QuerySet[Division], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]


class SitingForm(forms.Form):
    element = forms.ChoiceField(label=_("服务要素"))
    p = forms.IntegerField(label=_("新增设施数"), min_value=1, max_value=20, initial=2)
    source = forms.ChoiceField(
        label=_("候选地点"), choices=CandidateSource.choices, initial=CandidateSource.NODES
    )

    def __init__(self, *args: Any, elements: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["element"].choices = [
            (e.code, f"{e.get_level_minutes_display()} · {e.name}") for e in elements
        ]  # type: ignore[attr-defined]


class CandidateForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120)
    lon = forms.FloatField(label=_("经度"), min_value=73, max_value=136)
    lat = forms.FloatField(label=_("纬度"), min_value=3, max_value=54)
    crs = forms.ChoiceField(
        label=_("坐标系"),
        choices=[("wgs84", "WGS-84"), ("gcj02", _("GCJ-02（高德/腾讯）")), ("bd09", _("BD-09（百度）"))],
    )
    floor_area_m2 = forms.FloatField(label=_("可用面积（平方米）"), required=False, min_value=0)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class FacilityImportForm(forms.Form):
    file = forms.FileField(label=_("文件（.xlsx / .csv / .geojson）"))
    crs = forms.ChoiceField(
        label=_("坐标系"),
        choices=[
            ("wgs84", "WGS-84（GPS、OpenStreetMap）"),
            ("gcj02", _("GCJ-02（高德、腾讯）")),
            ("bd09", _("BD-09（百度）")),
        ],
    )
