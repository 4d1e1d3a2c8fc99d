"""Forms of the accounts app."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


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
