"""The evaluation report of a run, as PDF and as Excel (``?community=`` or ``?street=`` narrows it)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from shezhi.lifecircle import mapfig, pdf, report_xlsx
from shezhi.lifecircle.models import AnalysisRun
from shezhi.lifecircle.network import run_network
from shezhi.lifecircle.report_content import EvaluationReport, evaluation_report, report_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(request: HttpRequest, pk: int) -> EvaluationReport:
    run = AnalysisRun.objects.select_related("area", "standard").get_visible_or_404(request.user, pk=pk)
    user = request.user
    code = request.GET.get("community") or request.GET.get("street") or None
    scope = report_scope(actor=user, run=run, code=code)  # type: ignore[arg-type]
    return evaluation_report(actor=user, run=run, scope=scope, element=request.GET.get("element"))  # type: ignore[arg-type]


def _filename(rep: EvaluationReport, ext: str) -> str:
    return f"lifecircle-report-{rep.run.pk}-{rep.scope.code}.{ext}"


@login_required
def run_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable report: indicators, elements, map, gap list, recommendations."""
    rep = _report(request, pk)
    net = run_network(rep.run)
    body = pdf.report_pdf(rep, mapfig.map_png(rep.map, net))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_filename(rep, "pdf")}"'
    return response


@login_required
def run_report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The same report as a workbook, every gap and community row included."""
    rep = _report(request, pk)
    response = HttpResponse(report_xlsx.report_xlsx(rep), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(rep, "xlsx")}"'
    return response
