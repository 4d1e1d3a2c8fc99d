"""Forms of the accounts app."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from shezhi.accounts import management_rules as rules
from shezhi.accounts.models import User
from shezhi.common.errors import AppError
from shezhi.common.pickers import PickerField


class LoginForm(AuthenticationForm):
    """Login with its errors in the user's language."""

    error_messages = {
        "invalid_login": _("用户名或密码错误（注意区分大小写）"),
        "inactive": _("该账号已停用"),
    }


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=64, help_text=_("例如：巡查终端、数据对接"))
    days = forms.IntegerField(
        label=_("有效期（天）"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DAYS,
    )


class LoginFailureFilterForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("用户名"), "aria-label": _("用户名")}),
    )


def _division_model() -> Any:
    # accounts sits below places: the models by name, never an import.
    return apps.get_model("places", "Division")


def _grid_model() -> Any:
    return apps.get_model("places", "Grid")


class UserAssignmentForm(forms.Form):
    """Role, area and grid of an account; the choices are limited to the actor's area and roles."""

    display_name = forms.CharField(label=_("姓名"), max_length=64)
    role = forms.ChoiceField(label=_("角色"))
    division = PickerField(
        queryset=None,
        kind="division",
        label=_("所属区划"),
        required=False,
        help_text=_(
            "市级管理员、审计员为市级；区级工作人员、规划师为区级；街道工作人员为街道级；其余为社区级。"
        ),
    )
    grid = PickerField(
        queryset=None,
        kind="grid",
        label=_("所属网格"),
        required=False,
        help_text=_("网格员必填；所属区划随网格所在社区自动确定。"),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # the label stands alone, no Latin colon
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["role"].choices = [(r.value, r.label) for r in rules.assignable_roles(actor)]
        self.fields["division"].queryset = _division_model().objects.visible_to(actor)  # type: ignore[attr-defined]
        self.fields["grid"].queryset = _grid_model().objects.visible_to(actor)  # type: ignore[attr-defined]

    def add_app_error(self, error: AppError) -> None:
        """Show a service's refusal next to the field it names (else above the form)."""
        fields = [p for p in error.problems if p.field in self.fields]
        if not fields:
            self.add_error(None, error.message())
        for problem in fields:
            self.add_error(problem.field, problem.text())


class UserCreateForm(UserAssignmentForm):
    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("用户名只能包含字母、数字和 @ . + - _")},
        help_text=_("登录用，创建后不可修改。"),
    )

    field_order = ["username", "display_name", "role", "division", "grid"]


class UserFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": _("用户名、姓名、区划或网格"), "aria-label": _("搜索")}),
    )
    role = forms.ChoiceField(label=_("角色"), required=False)
    active = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), ("1", _("启用")), ("0", _("已停用"))],
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("全部角色"))] + [
            (r.value, r.label) for r in rules.assignable_roles(actor)
        ]
