"""Pages of the life-circle part."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from shezhi.accounts.roles import Role
from shezhi.accounts.scoping import not_area_scoped
from shezhi.lifecircle import selectors, services
from shezhi.lifecircle.forms import ElementRevisionForm
from shezhi.lifecircle.models import StandardVersion


def _may_revise(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user.is_superuser or user.role == Role.CITY_ADMIN)


@not_area_scoped("the configuration standard is city-wide")
@login_required
def standard(request: HttpRequest, number: int | None = None) -> HttpResponse:
    """The configuration standard: current version by default, any older one by number."""
    current = selectors.standard_current()
    if current is None:
        raise Http404
    version = current if number is None else get_object_or_404(StandardVersion, number=number)
    return render(
        request,
        "lifecircle/standard.html",
        {
            "version": version,
            "current": current,
            "elements": selectors.element_list(version=version),
            "versions": StandardVersion.objects.order_by("-number")[:20],
            "may_revise": _may_revise(request.user) and version == current,
        },
    )


@not_area_scoped("the configuration standard is city-wide")
@login_required
def element_revise(request: HttpRequest, code: str) -> HttpResponse:
    """Revise one element; saving creates a new version of the standard."""
    if not _may_revise(request.user):
        raise PermissionDenied
    current = selectors.standard_current()
    if current is None:
        raise Http404
    element = get_object_or_404(current.elements, code=code)
    form = ElementRevisionForm(request.POST or None, instance=element)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            version = services.standard_revise(
                actor=request.user,  # type: ignore[arg-type]
                note=form.cleaned_data["note"],
                changes={code: changes},
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已保存为配置标准第 %(n)s 版") % {"n": version.number})
            return redirect("lifecircle:standard")
    return render(request, "lifecircle/element_form.html", {"form": form, "element": element})
