"""Pages: the leaders' dashboard (驾驶舱), the catalogue, a value's provenance, rankings."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shezhi.accounts.roles import DivisionLevel
from shezhi.accounts.scoping import not_area_scoped
from shezhi.cases.models import Case
from shezhi.cases.permissions import CasePermission, has_perm
from shezhi.common.errors import AppError
from shezhi.indicators import progress, selectors, services
from shezhi.indicators.measures import REGISTRY
from shezhi.indicators.models import Indicator, IndicatorValue, Scenario, WorkPlanItem
from shezhi.lifecircle.models import CommunityResult
from shezhi.people.models import Facility, Organisation

PERSONAL = {"people.Household", "people.Resident"}


def _reader(request: HttpRequest) -> None:
    if not services.can_read(request.user):
        raise PermissionDenied


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The leaders' page: statuses, trends and the published ranking of one area."""
    _reader(request)
    area = selectors.home_area(request.user, request.GET.get("area"))
    if area is None:
        raise Http404
    period = request.GET.get("period") or selectors.latest_period(area)
    rows = selectors.dashboard_rows(request.user, area, period) if period else {}
    counts: dict[str, int] = dict.fromkeys(progress.LABELS, 0)
    for scenario_rows in rows.values():
        for r in scenario_rows:
            if r.status:
                counts[r.status.code] += 1
    ranking = selectors.published_ranking(request.user, area)
    entries = list(selectors.ranking_entries(request.user, ranking)[:20]) if ranking else []
    scenarios = [(s.value, s.label, rows.get(s.value, [])) for s in Scenario]
    chart = {
        "status": [
            {"name": progress.LABELS[c][0 if not _en(request) else 1], "value": n} for c, n in counts.items()
        ],
        "ranking": [
            {
                "name": e.area.name,
                "rank": e.rank,
                "median": e.median_rank,
                "p05": e.rank_p05,
                "p95": e.rank_p95,
            }
            for e in entries
        ],
        "trends": [
            {"name": r.indicator.name, "points": [[p, v] for p, v, _pk in r.trend]}
            for code, _label, rs in scenarios
            if code == "governance"
            for r in rs
            if any(v is not None for _p, v, _pk in r.trend)
        ],
    }
    children = []
    if area.level != DivisionLevel.COMMUNITY:
        children = list(area.children.order_by("code").values_list("code", "name"))
    return render(
        request,
        "indicators/dashboard.html",
        {
            "area": area,
            "period": period,
            "scenarios": scenarios,
            "counts": counts,
            "labels": progress.LABELS,
            "ranking": ranking,
            "entries": entries,
            "chart": chart,
            "screen": request.GET.get("screen") == "1",
            "children": children,
            "parent": area.parent
            if area.parent and selectors.home_area(request.user, area.parent.code)
            else None,
        },
    )


def _en(request: HttpRequest) -> bool:
    return (getattr(request, "LANGUAGE_CODE", "") or "").startswith("en")


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    _reader(request)
    by_scenario = [(s.label, list(Indicator.objects.filter(scenario=s.value))) for s in Scenario]
    return render(
        request,
        "indicators/catalogue.html",
        {"by_scenario": by_scenario, "measures": REGISTRY.catalogue(), "labels": progress.LABELS},
    )


@login_required
@not_area_scoped("指标编码是全市统一的目录，不是区域标识 / indicator codes are the city-wide catalogue")
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    _reader(request)
    indicator = get_object_or_404(Indicator, code=code)
    return render(
        request,
        "indicators/indicator.html",
        {"indicator": indicator, "versions": indicator.formulas.order_by("-number")},
    )


def _source_rows(request: HttpRequest, label: str, ids: list[int]) -> tuple[list[dict[str, Any]], str]:
    """The source rows the viewer may see, and a note on what is withheld."""
    user = request.user
    if not ids:
        return [], ""
    if label in PERSONAL:
        return [], _("个人信息不逐条列出，仅计数")
    if label == "cases.Case":
        if not has_perm(user, CasePermission.READ):
            return [], _("该角色只读统计，不逐条查看工单")
        rows = Case.objects.visible_to(user).filter(pk__in=ids).order_by("pk")[:200]
        return [
            {
                "text": c.code,
                "url": f"/cases/{c.code}/",
                "detail": f"{c.get_state_display()} · {c.opened_at:%Y-%m-%d}",
            }
            for c in rows
        ], ""
    if label == "people.Facility":
        rows = Facility.objects.visible_to(user).filter(pk__in=ids).order_by("pk")[:200]
        return [
            {"text": f.name, "detail": f"{f.get_category_display()} · {f.floor_area_m2 or '—'} ㎡"}
            for f in rows
        ], ""
    if label == "people.Organisation":
        rows = Organisation.objects.visible_to(user).filter(pk__in=ids).order_by("pk")[:200]
        return [{"text": o.name, "detail": o.get_kind_display()} for o in rows], ""
    if label == "lifecircle.CommunityResult":
        rows = CommunityResult.objects.visible_to(user).filter(pk__in=ids).select_related("run")
        return [
            {
                "text": _("生活圈评估 #%(run)s") % {"run": r.run_id},
                "url": f"/lifecircle/runs/{r.run_id}/",
                "detail": _("%(n)s 户") % {"n": r.households},
            }
            for r in rows
        ], ""
    if label == "indicators.EnteredValue":
        return [{"text": _("填报 #%(pk)s") % {"pk": pk}, "detail": ""} for pk in ids], ""
    return [], ""


@login_required
def value_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A value's provenance: formula version, run, digest, and its source rows."""
    # Visibility first: another area's value (and any value, for a resident) is a 404.
    value = IndicatorValue.objects.select_related(
        "indicator", "formula", "run", "area", "entered"
    ).get_visible_or_404(request.user, pk=pk)
    _reader(request)
    sources = []
    for name, src in sorted(value.sources.items()):
        measure = REGISTRY.get(name) if name != "entered" else None
        rows, note = _source_rows(request, src.get("source", ""), src.get("rows", []))
        sources.append(
            {
                "name": name,
                "label": measure.zh if measure else _("填报值"),
                "source": src.get("source", ""),
                "value": src.get("value"),
                "count": len(src.get("rows", [])),
                "rows": rows,
                "note": note,
                "pending": bool(measure and measure.pending),
            }
        )
    parts = []
    if value.level != "community":
        parts = list(
            IndicatorValue.objects.visible_to(request.user)
            .filter(run=value.run, indicator=value.indicator, area__code__startswith=value.area.prefix)
            .exclude(pk=value.pk)
            .select_related("area")
            .order_by("area__code")[:400]
        )
    status = services.status_for(value)
    return render(
        request,
        "indicators/value.html",
        {
            "v": value,
            "sources": sources,
            "parts": parts,
            "status": status,
            "trend": services.series(value.indicator, value.area),
        },
    )


@login_required
@not_area_scoped("榜单是上级区域发布的；条目按查看者辖区过滤 / rankings are published above; rows are scoped")
def ranking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    ranking = selectors.rankings_for(request.user).filter(pk=pk).select_related("area", "previous").first()
    if ranking is None:
        raise Http404
    entries = list(selectors.ranking_entries(request.user, ranking)[:3100])
    weights = [(Indicator.objects.filter(code=c).first(), w) for c, w in ranking.weights.items()]
    return render(request, "indicators/ranking.html", {"r": ranking, "entries": entries, "weights": weights})


@login_required
def ranking_explain(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """One community's score, line by line."""
    entry = selectors.RankingEntry.objects.select_related("ranking", "area").get_visible_or_404(
        request.user, ranking_id=pk, area__code=code
    )
    if not selectors.rankings_for(request.user).filter(pk=pk).exists():
        raise Http404
    _reader(request)
    lines = entry.breakdown
    return render(request, "indicators/explain.html", {"e": entry, "r": entry.ranking, "lines": lines})


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    """Work plans in the viewer's area: targets, completion, late items, burn-up per programme."""
    from shezhi.indicators.workplans import progress_of

    _reader(request)
    items = WorkPlanItem.objects.visible_to(request.user).select_related("area", "indicator")
    year = request.GET.get("year")
    if year and year.isdigit():
        items = items.filter(year=int(year))
    rows = [progress_of(i) for i in items.order_by("-year", "area__code", "code")[:200]]
    chart = [
        {"name": f"{p.item.area.name} {p.item.name}", "target": p.item.target, "points": p.burnup}
        for p in rows
        if p.burnup
    ]
    return render(request, "indicators/plans.html", {"rows": rows, "chart": chart})


@login_required
def report_file(request: HttpRequest, template: str) -> HttpResponse:
    """报表通: a template for an area and period — which of its figures the platform fills and
    which still need entry — and the same report as Excel or PDF (``?format=xlsx|pdf``)."""
    from shezhi.indicators import report

    _reader(request)
    tpl = report.TEMPLATES.get(template)
    fmt = request.GET.get("format", "")
    if tpl is None or fmt not in ("", "xlsx", "pdf"):
        raise Http404
    area = selectors.home_area(request.user, request.GET.get("area"))
    if area is None:
        raise Http404
    period = request.GET.get("period") or selectors.latest_period(area) or str(timezone.localdate().year)
    if not (period.isdigit() and len(period) == 4):
        raise AppError(_("期间须为年份，如 2025"), "the period must be a year such as 2025", code="period")
    rep = report.build(request.user, tpl, area, period)
    if not fmt:
        return render(request, "indicators/report.html", {"rep": rep, "area": area, "period": period})
    name = f"{tpl.code}-{area.code}-{period}.{fmt}"
    if fmt == "xlsx":
        body, kind = report.xlsx(rep), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, kind = report.pdf(rep), "application/pdf"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
