"""Forms of the life-circle part."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shezhi.lifecircle.models import ServiceElement, Walker
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

    area = forms.ModelChoiceField(label=_("评估范围"), queryset=None)  # type: ignore[arg-type]
    walker = forms.ChoiceField(label=_("步行人群"), choices=Walker.choices, initial=Walker.ADULT)

    def __init__(self, *args: Any, areas: QuerySet[Division], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["area"]
        field.queryset = areas  # type: ignore[attr-defined]
        field.label_from_instance = lambda d: f"{d.name}（{d.get_level_display()}）"  # type: ignore[attr-defined]
