"""The administrator's OSM data page: upload an extract, watch it load, cancel it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shezhi.accounts.roles import DivisionLevel, Role
from shezhi.common import uploads
from shezhi.common.errors import AppError, ImportRejected
from shezhi.lifecircle.extracts import check_file
from shezhi.places.models import Division, ExtractStatus, OsmExtract

STAGES = {
    "queued": gettext_lazy("排队中"),
    "copy": gettext_lazy("保存文件"),
    "network": gettext_lazy("构建步行路网"),
    "places": gettext_lazy("读取小区与楼栋"),
    "facilities": gettext_lazy("读取服务设施"),
    "diff": gettext_lazy("比对变化"),
    "swap": gettext_lazy("写入并切换"),
    "done": gettext_lazy("完成"),
    "failed": gettext_lazy("失败"),
    "cancelled": gettext_lazy("已取消"),
}


def may_load(user: Any) -> bool:
    """City administrators load extracts for the whole installation; district staff for their district."""
    return bool(user.is_superuser or user.role in (Role.CITY_ADMIN, Role.DISTRICT_STAFF))


def _whole(user: Any) -> bool:
    return bool(user.is_superuser or user.role == Role.CITY_ADMIN)


class ExtractUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("OSM PBF 文件（.osm.pbf）"))
    clip_to = forms.ChoiceField(label=gettext_lazy("裁剪到区划"), required=False)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = (
            Division.objects.visible_to(user)
            .filter(level__in=[DivisionLevel.CITY, DivisionLevel.DISTRICT, DivisionLevel.STREET])
            .order_by("code")
        )
        choices = [(d.code, f"{d.name}（{d.code}）") for d in areas[:500]]
        if _whole(user):
            choices = [("", _("全部（不裁剪）"))] + choices
        self.fields["clip_to"].choices = choices

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".pbf"):
            raise forms.ValidationError(_("只支持 OSM PBF 文件（.osm.pbf）"))
        return upload


def _visible(request: HttpRequest, pk: int) -> OsmExtract:
    extract = OsmExtract.objects.visible_to(request.user).select_related("area").filter(pk=pk).first()
    if extract is None:  # another area's extract does not exist for this user
        raise Http404
    if not may_load(request.user):
        raise PermissionDenied
    return extract


@login_required
def extracts(request: HttpRequest) -> HttpResponse:
    """The extracts loaded so far and the upload form."""
    from shezhi.lifecircle.extract_tasks import load_extract_task

    user = request.user
    if not may_load(user):
        raise PermissionDenied
    form = ExtractUploadForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            stored = uploads.store(upload, upload.name)
        except ImportRejected as exc:
            form.add_error("file", "；".join(e.text() for e in exc.errors))
        else:
            try:
                check_file(stored.path)
            except AppError as exc:
                stored.discard()
                form.add_error("file", exc.message())
            else:
                code = form.cleaned_data["clip_to"] or None
                area = Division.objects.visible_to(user).filter(code=code).first() if code else None
                if code and area is None:
                    stored.discard()
                    raise PermissionDenied
                with transaction.atomic():
                    extract = OsmExtract.objects.create(
                        name=(form.cleaned_data["name"] or upload.name)[:200],
                        sha256=stored.sha256,
                        size_bytes=stored.size,
                        area=area,
                        stage="queued",
                        created_by=user,
                    )
                    transaction.on_commit(lambda: load_extract_task.enqueue(extract.pk, str(stored.path)))
                return redirect("lifecircle:extract", pk=extract.pk)
    rows = OsmExtract.objects.visible_to(user).select_related("area", "created_by")[:50]
    return render(request, "lifecircle/extracts.html", {"form": form, "extracts": rows})


@login_required
def extract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    extract = _visible(request, pk)
    what = {"created": _("新增"), "updated": _("更新"), "removed": _("移除")}
    changes = [
        (
            label,
            extract.changes.get(kind, {}),
            [
                (what.get(k, k), names)
                for k, names in extract.changes.get(kind, {}).get("examples", {}).items()
            ],
        )
        for kind, label in (("compounds", _("小区")), ("buildings", _("楼栋")), ("facilities", _("服务设施")))
    ]
    return render(
        request,
        "lifecircle/extract_detail.html",
        {
            "extract": extract,
            "changes": changes,
            "finished": extract.status != ExtractStatus.LOADING,
            "stage_label": STAGES.get(extract.stage, ""),
        },
    )


@login_required
def extract_status(request: HttpRequest, pk: int) -> JsonResponse:
    extract = _visible(request, pk)
    return JsonResponse(
        {
            "status": extract.status,
            "status_display": extract.get_status_display(),
            "progress": extract.progress,
            "stage": extract.stage,
            "stage_display": str(STAGES.get(extract.stage, "")),
            "error": extract.error,
            "finished": extract.status != ExtractStatus.LOADING,
        }
    )


@login_required
@require_POST
def extract_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    extract = _visible(request, pk)
    cancelled = OsmExtract.objects.filter(pk=extract.pk, status=ExtractStatus.LOADING).update(
        status=ExtractStatus.CANCELLED, stage="cancelled"
    )
    if cancelled:
        messages.success(request, _("已取消载入；未做任何更改"))
    return redirect("lifecircle:extract", pk=extract.pk)
