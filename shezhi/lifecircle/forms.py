"""Forms of the life-circle part."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shezhi.lifecircle.models import ServiceElement


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
