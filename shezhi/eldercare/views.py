"""Pages of elderly services: the worker's worklist, a person's history with proofs, the roll,
社区报到, the resident page (with the person's code) and the auditor's log view; and the
public log files (checkpoint and tiles), read-only, for any verifier."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shezhi.accounts.auth import client_ip
from shezhi.accounts.roles import Role
from shezhi.accounts.scoping import not_area_scoped
from shezhi.common.errors import AppError
from shezhi.eldercare import forms, logbook, publishing, selectors, services
from shezhi.eldercare.models import (
    Certification,
    CheckIn,
    Elder,
    LedgerRecord,
    PublishedCheckpoint,
    VerificationRun,
)
from shezhi.eldercare.permissions import ElderPermission, has_perm
from shezhi.places.models import Compound

GET_POST = require_http_methods(["GET", "POST"])
CODE_TRIES_PER_HOUR = 20


def _perms(user: Any) -> dict[str, bool]:
    return {p.value: has_perm(user, p) for p in ElderPermission}


def _require(user: Any, perm: ElderPermission) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied(perm.value)


def _problems(form: Any, exc: AppError) -> None:
    """Put a service's reasons next to the fields they name (the rest above the form)."""
    if not exc.problems:
        form.add_error(None, str(exc.zh if _is_zh() else exc.message_en))
    for p in exc.problems:
        text = p.zh if _is_zh() else p.en
        form.add_error(p.field if p.field in form.fields else None, str(text))


def _is_zh() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "zh-hans").startswith("zh")


def _message(exc: AppError) -> str:
    return str(exc.zh) if _is_zh() else exc.message_en


# ------------------------------------------------------------------------------ worklist
@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """社区工作者待办: due, overdue and suspended people, and open appeals (cards at 390 px)."""
    _require(request.user, ElderPermission.VIEW)
    work = selectors.worklist(actor=request.user)  # type: ignore[arg-type]
    return render(
        request,
        "eldercare/worklist.html",
        {"work": work, "perms": _perms(request.user), "today": timezone.localdate()},
    )


@login_required
@GET_POST
def elder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's certification history with its proofs; a worker's actions on it."""
    user = request.user
    elder = selectors.elder_get(actor=user, pk=pk)  # type: ignore[arg-type]
    certify_form = forms.CertifyForm()
    signal_form = forms.SignalForm()
    exit_form = forms.ExitForm()
    appeal_form = forms.AppealForm()
    new_code = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "certify":
                certify_form = forms.CertifyForm(request.POST, request.FILES)
                if certify_form.is_valid():
                    d = certify_form.cleaned_data
                    services.certify(
                        actor=user,
                        elder_pk=elder.pk,
                        method=d["method"],
                        photo=d["photo"],
                        lon=d["lon"],
                        lat=d["lat"],  # type: ignore[arg-type]
                    )
                    messages.success(request, _("认证已记录并写入透明日志"))
                    return redirect("eldercare:elder", pk=elder.pk)
            elif action == "signal":
                signal_form = forms.SignalForm(request.POST)
                if signal_form.is_valid():
                    d = signal_form.cleaned_data
                    services.signal_record(
                        actor=user,
                        elder_pk=elder.pk,
                        kind=d["kind"],
                        observed_at=d["observed_at"],  # type: ignore[arg-type]
                        source=f"{user.role}:{user.pk}",
                        ref=d["ref"],
                    )
                    messages.success(request, _("信号已记录"))
                    return redirect("eldercare:elder", pk=elder.pk)
            elif action == "exit":
                exit_form = forms.ExitForm(request.POST)
                if exit_form.is_valid():
                    services.elder_exit(actor=user, elder=elder, reason=exit_form.cleaned_data["reason"])  # type: ignore[arg-type]
                    messages.success(request, _("已退出名册"))
                    return redirect("eldercare:elder", pk=elder.pk)
            elif action == "appeal":
                appeal_form = forms.AppealForm(request.POST)
                if appeal_form.is_valid():
                    services.appeal_file(
                        actor=user, elder_pk=elder.pk, reason=appeal_form.cleaned_data["reason"]
                    )  # type: ignore[arg-type]
                    messages.success(request, _("申诉已提交，待复核"))
                    return redirect("eldercare:elder", pk=elder.pk)
            elif action == "code":
                new_code = services.person_code_issue(actor=user, elder=elder)  # type: ignore[arg-type]
            else:
                raise Http404
        except AppError as exc:
            target = {
                "certify": certify_form,
                "signal": signal_form,
                "exit": exit_form,
                "appeal": appeal_form,
            }.get(action or "")
            if target is not None:
                _problems(target, exc)
            else:
                messages.error(request, _message(exc))
        elder.refresh_from_db()
    certs, records, signals = selectors.history(elder=elder)
    return render(
        request,
        "eldercare/elder.html",
        {
            "elder": elder,
            "certs": certs,
            "records": records,
            "signals": signals,
            "appeals": elder.appeals.all()[:20],
            "certify_form": certify_form,
            "signal_form": signal_form,
            "exit_form": exit_form,
            "appeal_form": appeal_form,
            "decide_form": forms.DecideForm(),
            "new_code": new_code,
            "perms": _perms(user),
            "age": elder.resident.age,
        },
    )


@login_required
@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    from shezhi.eldercare.models import Appeal

    appeal = Appeal.objects.get_visible_or_404(request.user, pk=pk)
    form = forms.DecideForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_decide(
                actor=request.user,
                appeal_pk=appeal.pk,
                upheld=form.cleaned_data["upheld"] == "1",  # type: ignore[arg-type]
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("复核结论已记录"))
        except AppError as exc:
            messages.error(request, _message(exc))
    return redirect("eldercare:elder", pk=appeal.elder_id)


def _receipt_response(record: LedgerRecord) -> HttpResponse:
    publishing.ensure_cosigned(record.year)
    body = logbook.receipt(record.year, record.index, bytes(record.body))
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="eldercare-{record.year}-{record.index}.tlog-proof"'
    )
    return response


@login_required
@require_GET
def record_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The tlog-proof receipt of one entry (the entry itself rides along as ``extra``)."""
    record = selectors.record_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    return _receipt_response(record)


@login_required
@require_GET
def certification_photo(request: HttpRequest, pk: int) -> FileResponse:
    from shezhi.common import images

    cert = Certification.objects.get_visible_or_404(request.user, pk=pk)
    _require(request.user, ElderPermission.VIEW)
    if not cert.photo:
        raise Http404
    try:
        fh = cert.photo.open("rb")
    except OSError as exc:
        raise Http404 from exc
    served = images.served_type(fh)
    if served is None:
        fh.close()
        raise Http404
    response = FileResponse(fh, content_type=served[1])
    response["Cache-Control"] = "private, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# ------------------------------------------------------------------------------ roll
@login_required
@GET_POST
def roll_view(request: HttpRequest) -> HttpResponse:
    """高龄津贴月度名册: paid, new entrants, exits, suspensions; Excel export with a reason."""
    user = request.user
    _require(user, ElderPermission.VIEW)
    year, month = selectors.parse_month(request.GET.get("month"))
    roll = selectors.roll(actor=user, year=year, month=month)  # type: ignore[arg-type]
    form = forms.ExportForm(request.POST or None)
    if request.method == "POST":
        _require(user, ElderPermission.EXPORT)
        if form.is_valid():
            from shezhi.eldercare.exporters import roll_export_xlsx

            try:
                stream = roll_export_xlsx(
                    actor=user,
                    roll=roll,
                    reason=form.cleaned_data["reason"],
                    plain=form.cleaned_data["plain"],  # type: ignore[arg-type]
                )
            except PermissionDenied:
                form.add_error("plain", _("您的角色不能导出完整证件号"))
            except AppError as exc:
                _problems(form, exc)
            else:
                return FileResponse(
                    stream,
                    as_attachment=True,
                    filename=f"eldercare-roll-{year}-{month:02d}.xlsx",
                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
    return render(
        request,
        "eldercare/roll.html",
        {"roll": roll, "month": f"{year}-{month:02d}", "form": form, "perms": _perms(user)},
    )


# ------------------------------------------------------------------------------ 社区报到
@login_required
@GET_POST
def checkin(request: HttpRequest) -> HttpResponse:
    """社区报到: register an arrival in a compound of one's community; the community sees the list."""
    user = request.user
    _require(user, ElderPermission.CHECK_IN)
    community = user.grid.community if user.grid_id else user.division  # type: ignore[union-attr]
    compounds = Compound.objects.filter(community=community).order_by("name")
    form = forms.CheckInForm(request.POST or None, compounds=compounds)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.checkin_register(
                actor=user,
                compound=d["compound"],
                name=d["name"],
                from_place=d["from_place"],  # type: ignore[arg-type]
                arrived_on=d["arrived_on"],
                phone=d["phone"],
                code=d["code"],
            )
        except AppError as exc:
            _problems(form, exc)
        else:
            messages.success(request, _("报到已登记，欢迎您！"))
            return redirect("eldercare:checkin")
    mine = CheckIn.objects.filter(registered_by=user)[:10] if user.role == Role.RESIDENT else []  # type: ignore[union-attr]
    return render(request, "eldercare/checkin.html", {"form": form, "mine": mine})


@login_required
def checkin_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.checkin_list(actor=request.user)[:300]  # type: ignore[arg-type]
    return render(request, "eldercare/checkins.html", {"rows": rows})


# ------------------------------------------------------------------------------ resident page
def _code_throttled(request: HttpRequest) -> bool:
    key = f"eldercare-code:{client_ip(request) or 'unknown'}"
    tries = cache.get(key, 0)
    if tries >= CODE_TRIES_PER_HOUR:
        return True
    cache.set(key, tries + 1, 3600)
    return False


@GET_POST
def resident_page(request: HttpRequest) -> HttpResponse:
    """The person or family, with the person's code: the certifications recorded, the receipt
    download, and certifying for this year. The code travels only in POST bodies."""
    form = forms.CodeForm(request.POST or None)
    elder: Elder | None = None
    certs: list[Certification] = []
    if request.method == "POST" and form.is_valid():
        if _code_throttled(request):
            form.add_error("code", _("尝试次数过多，请一小时后再试"))
        else:
            elder = services.elder_by_code(form.cleaned_data["code"])
            if elder is None:
                form.add_error("code", _("认证码不正确"))
            else:
                action = request.POST.get("action", "show")
                if action == "certify":
                    try:
                        services.self_certify(code=form.cleaned_data["code"])
                        messages.success(request, _("本年度认证已完成并写入透明日志"))
                    except AppError as exc:
                        messages.error(request, _message(exc))
                    elder.refresh_from_db()
                elif action == "receipt":
                    raw = request.POST.get("record", "")
                    found = LedgerRecord.objects.filter(elder=elder, pk=int(raw)) if raw.isdigit() else None
                    record = found.first() if found is not None else None
                    if record is None:
                        raise Http404
                    return _receipt_response(record)
                certs = list(elder.certifications.select_related("record"))
    this_year = timezone.localdate().year
    return render(
        request,
        "eldercare/resident.html",
        {
            "form": form,
            "elder": elder,
            "certs": certs,
            "certified_this_year": any(c.year == this_year for c in certs),
            "this_year": this_year,
        },
    )


# ------------------------------------------------------------------------------ auditor
@login_required
@GET_POST
def log_view(request: HttpRequest) -> HttpResponse:
    """审计: checkpoints over time, witness status, and the verifier's results on the served tiles."""
    user = request.user
    _require(user, ElderPermission.AUDIT)
    year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or year)
    except ValueError:
        pass
    if not 2000 <= year <= 2100:
        year = timezone.localdate().year
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "verify" and not logbook.exists(year):
            messages.error(request, _("本年度日志尚无条目"))
        elif action == "verify":
            run = publishing.verify_year(year, actor=user)  # type: ignore[arg-type]
            (messages.success if run.ok else messages.error)(
                request, _("验证完成") if run.ok else _("验证发现问题")
            )
        elif action == "publish":
            _require(user, ElderPermission.PUBLISH)
            publishing.publish_year(year, trigger="demand")
            messages.success(request, _("检查点已发布并请见证人联署"))
        return redirect(f"{request.path}?year={year}")
    years = sorted(
        {int(p.name) for p in logbook.log_root().glob("*") if re.fullmatch(r"\d{4}", p.name)} | {year},
        reverse=True,
    )
    return render(
        request,
        "eldercare/log.html",
        {
            "year": year,
            "years": years,
            "status": publishing.status(year),
            "checkpoints": PublishedCheckpoint.objects.filter(year=year)[:30],
            "runs": VerificationRun.objects.filter(year=year)[:10],
            "perms": _perms(user),
        },
    )


# ------------------------------------------------------------------------------ public files
_TILE = re.compile(r"(?:[0-9]{1,2}|entries)/(?:x[0-9]{3}/)*[0-9]{3}(?:\.p/[0-9]{1,3})?")


def _log_file(year: int, rel: str, *, immutable: bool) -> HttpResponse:
    path = logbook.log_dir(year) / rel
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
        raise Http404 from exc
    response = HttpResponse(
        data, content_type="text/plain; charset=utf-8" if not immutable else "application/octet-stream"
    )
    response["Cache-Control"] = (
        "public, max-age=31536000, immutable" if immutable else "public, max-age=5, no-transform"
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@not_area_scoped("public transparency log files: the year is not an area")
@require_GET
def log_checkpoint(request: HttpRequest, year: int) -> HttpResponse:
    """C2SP tlog-tiles ``/checkpoint``: the signed, cosigned checkpoint (short cache)."""
    return _log_file(year, "checkpoint", immutable=False)


@not_area_scoped("public transparency log files: the year is not an area")
@require_GET
def log_tile(request: HttpRequest, year: int, rest: str) -> HttpResponse:
    """C2SP tlog-tiles ``/tile/<L>/<N>[.p/<W>]`` and ``/tile/entries/<N>``: immutable files."""
    if not _TILE.fullmatch(rest):
        raise Http404
    return _log_file(year, f"tile/{rest}", immutable=True)


def _month_label(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"
