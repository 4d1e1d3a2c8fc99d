"""Forms of the places part."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shezhi.common.errors import AppError


class GridStaffForm(forms.Form):
    """一格一长一警: the grid's leader (an account) and its police officer (name, unit, phone)."""

    leader = forms.ModelChoiceField(
        label=_("网格长"), queryset=None, required=False, empty_label=_("（暂无）")
    )  # type: ignore[arg-type]
    police_officer = forms.CharField(label=_("网格警姓名"), max_length=64, required=False)
    police_station = forms.CharField(
        label=_("所属派出所"), max_length=64, required=False, help_text=_("例如：成华区公安分局猛追湾派出所")
    )
    police_phone = forms.CharField(label=_("网格警值班电话"), max_length=24, required=False)

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # the label stands alone, no Latin colon
        super().__init__(*args, **kwargs)
        field = self.fields["leader"]
        field.queryset = candidates  # type: ignore[attr-defined]
        field.label_from_instance = lambda u: f"{u.display_name or u.username}（{u.get_role_display()}）"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("police_phone") and not data.get("police_officer"):
            self.add_error("police_officer", _("填写了值班电话，请同时填写网格警姓名"))
        return data

    def add_app_error(self, error: AppError) -> None:
        fields = [p for p in error.problems if p.field in self.fields]
        if not fields:
            self.add_error(None, error.message())
        for problem in fields:
            self.add_error(problem.field, problem.text())
