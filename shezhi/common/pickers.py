"""Pickers instead of walls: choose one area, grid, compound or household by search.

A :class:`PickerField` is a ``ModelChoiceField`` whose widget is a plain text input: without
JavaScript the user types the code (or the exact name) and the form resolves it within the
field's queryset, naming the field in the error if it matches nothing or several. With
JavaScript (``static/shezhi/picker.js``) the input becomes a searchable picker: a search box
and a list (a tree for divisions) fed by a small JSON endpoint of the owning app, scoped to
the user's area, usable with the keyboard (↑ ↓ to move, Enter to choose, → to open a branch,
← to go up, Esc to close).

``common`` imports no app: the endpoint is named by its URL name (:data:`ENDPOINTS`).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

#: The JSON endpoint of each kind of picker (URL names).
ENDPOINTS = {
    "division": "places:pick_divisions",
    "grid": "places:pick_grids",
    "compound": "places:pick_compounds",
    "household": "people:pick_households",
}

PLACEHOLDERS = {
    "division": _("输入名称或区划代码"),
    "grid": _("输入网格名称或编码"),
    "compound": _("输入小区名称"),
    "household": _("输入小区、楼栋或房号"),
}


#: The picker's own words, handed to the script in the user's language.
TEXTS = {
    "choose": _("请选择…"),
    "search": _("搜索"),
    "loading": _("加载中…"),
    "none": _("没有匹配的结果"),
    "failed": _("加载失败，请重试"),
    "top": _("全部"),
    "open": _("展开"),
    "clear": _("清除"),
}


class PickerInput(forms.TextInput):
    """A text input the picker script enhances; shows the chosen object's name beside it."""

    def __init__(self, kind: str, *, levels: str = "", attrs: dict[str, Any] | None = None) -> None:
        if kind not in ENDPOINTS:
            raise ValueError(f"unknown picker kind {kind!r}")
        self.kind = kind
        self.levels = levels
        self.field: PickerField | None = None
        super().__init__(attrs)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        attrs = {
            "autocomplete": "off",
            "placeholder": str(PLACEHOLDERS[self.kind]),
            "data-picker": self.kind,
            "data-picker-url": reverse(ENDPOINTS[self.kind]),
            "data-picker-text": json.dumps({k: str(v) for k, v in TEXTS.items()}, ensure_ascii=False),
            **(attrs or {}),
        }
        if self.levels:
            attrs["data-picker-levels"] = self.levels
        label = self.field.label_for(value) if self.field is not None else ""
        if label:
            attrs["data-picker-label"] = label
        return super().get_context(name, value, attrs)

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        html = super().render(name, value, attrs, renderer)
        label = self.field.label_for(value) if self.field is not None else ""
        return format_html(
            '<span class="picker-field">{}<span class="picker-current" data-picker-current>{}</span></span>',
            html,
            label,
        )


class PickerField(forms.ModelChoiceField):
    """One object of ``queryset`` by its ``to_field_name`` value, or by its exact name."""

    default_error_messages = {
        "invalid_choice": _("没有找到该选项，或不在您的辖区内"),
        "ambiguous": _("有多个同名的选项，请从列表中选择或输入代码"),
    }

    def __init__(
        self,
        queryset: Any,
        *,
        kind: str,
        levels: str = "",
        to_field_name: str = "code",
        name_field: str | None = "name",
        **kwargs: Any,
    ) -> None:
        self.name_field = name_field
        kwargs.setdefault("widget", PickerInput(kind, levels=levels))
        super().__init__(queryset, to_field_name=to_field_name, **kwargs)
        self.widget.field = self  # type: ignore[attr-defined]

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        result = super().__deepcopy__(memo)
        result.widget.field = result
        return result

    def label_from_instance(self, obj: Model) -> str:
        return (getattr(obj, self.name_field, None) if self.name_field else None) or str(obj)

    def label_for(self, value: Any) -> str:
        """The chosen object's name, for the widget (empty if none or unknown)."""
        if value in self.empty_values:
            return ""
        if isinstance(value, Model):
            return self.label_from_instance(value)
        try:
            obj = self.queryset.filter(**{self.to_field_name or "pk": str(value).strip()}).first()
        except (ValueError, TypeError, ValidationError):
            return ""
        return self.label_from_instance(obj) if obj is not None else ""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if isinstance(value, Model):
            value = getattr(value, self.to_field_name or "pk")
        text = str(value).strip()
        key = self.to_field_name or "pk"
        try:
            obj = self.queryset.filter(**{key: text}).first()
        except (ValueError, TypeError, ValidationError):
            obj = None
        if obj is not None:
            return obj
        if self.name_field is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        matches = list(self.queryset.filter(**{f"{self.name_field}__iexact": text})[:2])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ValidationError(self.error_messages["ambiguous"], code="ambiguous")
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Model):
            return getattr(value, self.to_field_name or "pk")
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        return str(self.prepare_value(initial) or "") != str(data or "")


def picker_html(
    kind: str, name: str, value: str = "", label: str = "", *, levels: str = "", aria: str = ""
) -> Any:
    """A picker for a GET filter form (no form class): ``value`` a code, ``label`` its name."""
    widget = PickerInput(kind, levels=levels)
    attrs = {"aria-label": aria} if aria else {}
    if label:
        attrs["data-picker-label"] = label
    html = forms.TextInput.render(widget, name, value, attrs)
    return format_html(
        '<span class="picker-field">{}<span class="picker-current" data-picker-current>{}</span></span>',
        html,
        label,
    )
