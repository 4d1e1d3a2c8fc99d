"""Forms of the cases pages: intake (resident H5 and grid patrol), actions, hotline import."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shezhi.cases.intake import MAX_DESCRIPTION
from shezhi.cases.models import AttributeType, Category, CategoryAttribute, Satisfaction, Unit


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.parent.display_name} · {obj.display_name}" if obj.parent else obj.display_name


def attribute_field_name(category_pk: int, code: str) -> str:
    """The form field of one category's question (codes repeat across categories)."""
    return f"attr_{category_pk}_{code}"


class IntakeForm(forms.Form):
    """What a resident, a grid worker or a desk fills in; location by map pin or by address.

    Every category's Open311 questions are fields of the form, grouped by category; the
    page shows the chosen category's group (without JavaScript, every group, each titled
    with its category) and only the chosen category's answers are read.
    """

    token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    category = CategoryChoiceField(
        label=_("问题类型"),
        queryset=Category.objects.filter(active=True, parent__isnull=False).select_related("parent"),
        empty_label=_("请选择问题类型"),
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
    self_handle = forms.BooleanField(label=_("已当场处置（自行处置，提交即办结）"), required=False)
    self_handled_note = forms.CharField(
        label=_("处置情况"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, mode: str = "resident", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())
        if mode != "patrol":
            del self.fields["self_handle"]
            del self.fields["self_handled_note"]
        if mode == "desk":
            self.fields["reporter_name"].label = _("反映人姓名")
            self.fields["reporter_phone"].label = _("反映人联系电话")
            self.fields["photo"].label = _("照片或材料（可选，5 MB 以内）")
        self.categories: list[tuple[Category, list[str]]] = []
        language = get_language() or "zh-hans"
        attributes = CategoryAttribute.objects.filter(
            variable=True, category__active=True, category__parent__isnull=False
        ).select_related("category", "category__parent")
        by_category: dict[int, tuple[Category, list[str]]] = {}
        for attr in attributes.order_by("category__order", "category__code", "order", "code"):
            name = attribute_field_name(attr.category_id, attr.code)
            self.fields[name] = _attribute_field(attr, language)
            by_category.setdefault(attr.category_id, (attr.category, []))[1].append(name)
        self.categories = list(by_category.values())

    def attribute_groups(self) -> list[dict[str, Any]]:
        """For the template: each category with questions, and its bound fields."""
        return [
            {"category": category, "fields": [self[name] for name in names]}
            for category, names in self.categories
        ]

    def attributes_for(self, category: Category) -> dict[str, Any]:
        """The answers to ``category``'s questions as the intake service takes them."""
        answers: dict[str, Any] = {}
        for cat, names in self.categories:
            if cat.pk != category.pk:
                continue
            for name in names:
                field = self.fields[name]
                raw = self.cleaned_data.get(name)
                if raw in (None, "", []):
                    continue
                if field.attribute.datatype == AttributeType.DATETIME:
                    raw = _aware_iso(raw)
                answers[field.attribute.code] = raw
        return answers

    def field_for_problem(self, problem_field: str | None, category: Category | None) -> str | None:
        """The form field a problem of the intake service is about (None: the whole form)."""
        if not problem_field:
            return None
        if problem_field.startswith("attribute[") and category is not None:
            name = attribute_field_name(category.pk, problem_field[len("attribute[") : -1])
            return name if name in self.fields else None
        if problem_field in ("lat", "lon", "crs"):
            return "lat"
        return problem_field if problem_field in self.fields else None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("lat") is None and data.get("lon") is None and not (data.get("address") or "").strip():
            self.add_error("address", _("请在地图上选点，或填写地址、小区名称"))
        if data.get("self_handle") and not (data.get("self_handled_note") or "").strip():
            self.add_error("self_handled_note", _("自行处置请写明处置情况"))
        if data.get("self_handle") and not data.get("photo"):
            self.add_error("photo", _("自行处置须上传现场照片"))
        return data


def _attribute_field(attr: CategoryAttribute, language: str) -> forms.Field:
    """A form field for one Open311 attribute, by its datatype."""
    label = attr.label(language)
    common: dict[str, Any] = {"label": label, "required": False}
    kind = attr.datatype
    field: forms.Field
    if kind == AttributeType.SINGLE:
        field = forms.ChoiceField(choices=attr.choices(language), widget=forms.RadioSelect, **common)
    elif kind == AttributeType.MULTI:
        field = forms.MultipleChoiceField(
            choices=attr.choices(language), widget=forms.CheckboxSelectMultiple, **common
        )
    elif kind == AttributeType.NUMBER:
        field = forms.CharField(
            max_length=32,
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            **common,
        )
    elif kind == AttributeType.DATETIME:
        field = forms.CharField(
            max_length=40, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common
        )
    elif kind == AttributeType.TEXT:
        field = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    else:
        field = forms.CharField(max_length=200, **common)
    field.attribute = attr  # type: ignore[attr-defined]
    field.widget.attrs["data-required"] = "1" if attr.required else ""
    if attr.datatype_description:
        field.help_text = attr.datatype_description
    return field


def _aware_iso(raw: str) -> str:
    """A browser's datetime-local value ("2026-12-07T20:30") as ISO 8601 with the office's offset."""
    text = raw.strip()
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        return text  # the service names it as malformed, next to the field
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    return moment.isoformat()


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
    stars = forms.IntegerField(min_value=1, max_value=5, required=False)

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
            self.fields["units"].queryset = units


class HotlineImportForm(forms.Form):
    file = forms.FileField(label=_("12345 工单文件（.xlsx 或 .csv）"))
    dry_run = forms.BooleanField(label=_("只校验，不写入"), required=False)
