"""Forms of the eldercare pages; services do the checking, forms only parse."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shezhi.eldercare.models import ExitReason, SignalKind


class CertifyForm(forms.Form):
    method = forms.ChoiceField(
        label=_("认证方式"), choices=[("visit", _("社区工作者上门")), ("centre", _("服务中心现场认证"))]
    )
    photo = forms.FileField(
        label=_("照片（上门认证必填）"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
        ),
    )
    lon = forms.FloatField(label=_("经度"), required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("纬度"), required=False, min_value=-90, max_value=90)


class SignalForm(forms.Form):
    kind = forms.ChoiceField(label=_("信号类型"), choices=SignalKind.choices)
    observed_at = forms.DateTimeField(
        label=_("发生时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ref = forms.CharField(label=_("来源编号（可选）"), max_length=60, required=False)


class ExitForm(forms.Form):
    reason = forms.ChoiceField(label=_("退出原因"), choices=ExitReason.choices)


class AppealForm(forms.Form):
    reason = forms.CharField(label=_("申诉理由"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(forms.Form):
    upheld = forms.ChoiceField(label=_("复核结论"), choices=[("1", _("申诉成立")), ("0", _("申诉不成立"))])
    note = forms.CharField(label=_("复核意见"), max_length=300, required=False)


class ExportForm(forms.Form):
    reason = forms.CharField(label=_("导出事由"), max_length=200)
    plain = forms.BooleanField(label=_("导出完整证件号（需明文导出权限）"), required=False)


class CodeForm(forms.Form):
    code = forms.CharField(label=_("本人认证码"), max_length=20)


class CheckInForm(forms.Form):
    compound = forms.ModelChoiceField(label=_("小区（院落）"), queryset=None)  # type: ignore[arg-type]
    name = forms.CharField(label=_("姓名"), max_length=64)
    phone = forms.CharField(label=_("联系电话（可选）"), max_length=20, required=False)
    from_place = forms.CharField(label=_("从何处来"), max_length=120)
    arrived_on = forms.DateField(label=_("到达日期"), widget=forms.DateInput(attrs={"type": "date"}))
    code = forms.CharField(
        label=_("老人本人认证码（可选，报到即视为一次无感认证信号）"), max_length=20, required=False
    )

    def __init__(self, *args: object, compounds: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["compound"].queryset = compounds  # type: ignore[attr-defined]
