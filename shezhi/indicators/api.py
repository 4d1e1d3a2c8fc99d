"""API of the indicators part (/api/v1/indicators…): catalogue, formula versions, runs, values
with provenance, rankings. Reads are scoped by ``visible_to``; writes need a district or city
role. Errors in the platform's one shape."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from shezhi.common.api import ErrorOut, Finite, InputSchema, PageNumberPagination, paginate, text
from shezhi.common.errors import AppError
from shezhi.indicators import selectors, services
from shezhi.indicators.models import (
    ComputationRun,
    Indicator,
    IndicatorValue,
    RankingEntry,
    RunStatus,
)
from shezhi.indicators.tasks import compute_indicators
from shezhi.places.models import Division

router = Router(tags=["indicators 评价指标"])


def _read(request: HttpRequest) -> None:
    if not services.can_read(request.user):
        raise AppError(
            "该角色不能查看评价指标", "this role may not read indicators", status=403, code="forbidden"
        )


def _manage(request: HttpRequest) -> None:
    if not services.can_manage(request.user):
        raise AppError(
            "仅区级、市级可维护指标与榜单",
            "only district and city staff manage indicators",
            status=403,
            code="forbidden",
        )


class IndicatorOut(Schema):
    code: str
    name: str
    name_en: str
    scenario: str
    unit: str
    direction: int
    periodicity: str
    level: str
    definition: str
    source: str
    baseline: float | None
    baseline_year: int
    target_2025: float | None
    target_2035: float | None
    owner_unit: str
    formula: str | None = None
    formula_version: int | None = None

    @staticmethod
    def resolve_formula(obj: Indicator) -> str | None:
        v = obj.current_formula()
        return v.text if v else None

    @staticmethod
    def resolve_formula_version(obj: Indicator) -> int | None:
        v = obj.current_formula()
        return v.number if v else None


class FormulaIn(InputSchema):
    text: text(500, min_length=1)  # type: ignore[valid-type]
    effective_from: dt.date
    note: text(200) = ""  # type: ignore[valid-type]


class FormulaOut(Schema):
    indicator: str
    number: int
    text: str
    ast: Any
    effective_from: dt.date
    effective_to: dt.date | None

    @staticmethod
    def resolve_indicator(obj: Any) -> str:
        return obj.indicator.code


class ValueOut(Schema):
    id: int
    indicator: str
    area_code: str
    area_name: str
    level: str
    period: str
    value: float | None
    missing: str
    missing_en: str
    formula_version: int | None
    run: int
    digest: str
    status: str | None = None

    @staticmethod
    def resolve_indicator(obj: IndicatorValue) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_area_code(obj: IndicatorValue) -> str:
        return obj.area.code

    @staticmethod
    def resolve_area_name(obj: IndicatorValue) -> str:
        return obj.area.name

    @staticmethod
    def resolve_missing(obj: IndicatorValue) -> str:
        return obj.missing_zh

    @staticmethod
    def resolve_formula_version(obj: IndicatorValue) -> int | None:
        return obj.formula.number if obj.formula else None

    @staticmethod
    def resolve_run(obj: IndicatorValue) -> int:
        return obj.run_id

    @staticmethod
    def resolve_status(obj: IndicatorValue) -> str | None:
        s = services.status_for(obj)
        return s.code if s else None


class SourceOut(Schema):
    measure: str
    source: str
    value: float | None
    rows: list[int]


class ValueDetailOut(ValueOut):
    sources: list[SourceOut] = Field(default_factory=list)

    @staticmethod
    def resolve_sources(obj: IndicatorValue, context: Any) -> list[dict[str, Any]]:
        from shezhi.cases.permissions import CasePermission, has_perm

        user = context["request"].user
        out = []
        for name, src in sorted(obj.sources.items()):
            rows = src.get("rows", [])
            label = src.get("source", "")
            # Row ids of personal data and single cases only for roles that may read them.
            if label in ("people.Household", "people.Resident") or (
                label == "cases.Case" and not has_perm(user, CasePermission.READ)
            ):
                rows = []
            out.append({"measure": name, "source": label, "value": src.get("value"), "rows": rows})
        return out


class ValueFilter(Schema):
    period: text(8) | None = None  # type: ignore[valid-type]
    indicator: text(16) | None = None  # type: ignore[valid-type]
    area: text(12) | None = None  # type: ignore[valid-type]


class RunIn(InputSchema):
    area: text(12, min_length=12)  # type: ignore[valid-type]
    period: text(4, min_length=4)  # type: ignore[valid-type]


class RunOut(Schema):
    id: int
    area_code: str
    period: str
    status: str
    values_count: int

    @staticmethod
    def resolve_area_code(obj: ComputationRun) -> str:
        return obj.area.code


class RankingIn(InputSchema):
    name: text(80, min_length=1)  # type: ignore[valid-type]
    area: text(12, min_length=12)  # type: ignore[valid-type]
    run: int = Field(..., ge=1, le=2**31 - 1)
    weights: dict[text(16), Finite] = Field(..., max_length=100)  # type: ignore[valid-type]
    normalisation: text(12)  # type: ignore[valid-type]
    aggregation: text(12)  # type: ignore[valid-type]
    draws: int = Field(1000, ge=1, le=10000)


class RankingOut(Schema):
    id: int
    name: str
    version: int
    area_code: str
    period: str
    weights: dict[str, float]
    normalisation: str
    aggregation: str
    draws: int
    published_at: dt.datetime | None

    @staticmethod
    def resolve_area_code(obj: Any) -> str:
        return obj.area.code


class EntryOut(Schema):
    area_code: str
    area_name: str
    score: float
    rank: int
    previous_rank: int | None
    median_rank: float
    rank_p05: float
    rank_p95: float
    breakdown: list[dict[str, Any]]

    @staticmethod
    def resolve_area_code(obj: RankingEntry) -> str:
        return obj.area.code

    @staticmethod
    def resolve_area_name(obj: RankingEntry) -> str:
        return obj.area.name


class EntryFilter(Schema):
    ranking: int | None = Field(None, ge=1, le=2**31 - 1, description="榜单 id / ranking id")


@router.get("/indicators", response=list[IndicatorOut], summary="指标目录 / the indicator catalogue")
@paginate(PageNumberPagination)
def indicator_list(request: HttpRequest) -> Any:
    _read(request)
    return Indicator.objects.filter(active=True).order_by("code")


@router.post(
    "/indicators/{code}/formulas",
    response={201: FormulaOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="发布新公式版本 / publish a new formula version",
)
def formula_create(request: HttpRequest, code: str, payload: FormulaIn) -> Any:
    _manage(request)
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise AppError("指标不存在", "no such indicator", status=404, code="not_found")
    version = services.formula_publish(
        indicator,
        text=payload.text,
        effective_from=payload.effective_from,
        actor=request.user,
        note=payload.note,
    )
    return Status(201, version)


@router.get("/indicator-values", response=list[ValueOut], summary="指标值 / indicator values (scoped)")
@paginate(PageNumberPagination)
def value_list(request: HttpRequest, filters: Query[ValueFilter]) -> Any:
    _read(request)
    qs = IndicatorValue.objects.visible_to(request.user).filter(run__status=RunStatus.DONE)
    if filters.period:
        qs = qs.filter(period=filters.period)
    if filters.indicator:
        qs = qs.filter(indicator__code=filters.indicator)
    if filters.area:
        qs = qs.filter(area__code=filters.area)
    return qs.select_related("indicator", "area", "formula").order_by(
        "-run_id", "area__code", "indicator__code"
    )


@router.get(
    "/indicator-values/{value_id}",
    response=ValueDetailOut,
    summary="指标值及其来源 / a value and its provenance",
)
def value_detail(request: HttpRequest, value_id: int) -> Any:
    # Residents and partners see no value (the model is not public): 404, like another area's.
    return IndicatorValue.objects.select_related("indicator", "area", "formula").get_visible_or_404(
        request.user, pk=value_id
    )


@router.post(
    "/indicator-runs",
    response={202: RunOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="发起计算（任务队列）/ start a computation on the task backend",
)
def run_create(request: HttpRequest, payload: RunIn) -> Any:
    _manage(request)
    area = Division.objects.visible_to(request.user).filter(code=payload.area).first()
    if area is None:
        raise AppError("区域不存在或不在辖区内", "no such area in your scope", status=404, code="not_found")
    run = services.run_start(area=area, period=payload.period, actor=request.user)
    compute_indicators.enqueue(run.pk)
    return Status(202, run)


@router.get("/indicator-runs", response=list[RunOut], summary="计算批次 / computation runs (scoped)")
@paginate(PageNumberPagination)
def run_list(request: HttpRequest) -> Any:
    _read(request)
    return ComputationRun.objects.visible_to(request.user).select_related("area")


@router.get("/rankings", response=list[RankingOut], summary="榜单 / rankings")
@paginate(PageNumberPagination)
def ranking_list(request: HttpRequest) -> Any:
    _read(request)
    return selectors.rankings_for(request.user).select_related("area")


@router.get("/ranking-entries", response=list[EntryOut], summary="榜单条目（按辖区）/ ranking rows in scope")
@paginate(PageNumberPagination)
def ranking_entries(request: HttpRequest, filters: Query[EntryFilter]) -> Any:
    _read(request)
    if filters.ranking is None:
        return RankingEntry.objects.none()
    ranking = selectors.rankings_for(request.user).filter(pk=filters.ranking).first()
    if ranking is None:
        return RankingEntry.objects.none()
    return selectors.ranking_entries(request.user, ranking)


@router.post(
    "/rankings",
    response={201: RankingOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="计算榜单新版本（草稿）/ compute a new ranking version (draft)",
)
def ranking_create(request: HttpRequest, payload: RankingIn) -> Any:
    _manage(request)
    area = Division.objects.visible_to(request.user).filter(code=payload.area).first()
    run = ComputationRun.objects.visible_to(request.user).filter(pk=payload.run).first()
    if area is None or run is None:
        raise AppError(
            "区域或计算批次不存在或不在辖区内",
            "no such area or run in your scope",
            status=404,
            code="not_found",
        )
    ranking = services.ranking_create(
        name=payload.name,
        area=area,
        run=run,
        weights=payload.weights,
        normalisation=payload.normalisation,
        aggregation=payload.aggregation,
        actor=request.user,
        draws=payload.draws,
    )
    return Status(201, ranking)


@router.post(
    "/rankings/{ranking_id}/publish",
    response={200: RankingOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="发布榜单（发布后不可更改）/ publish a ranking (immutable afterwards)",
)
def ranking_publish(request: HttpRequest, ranking_id: int) -> Any:
    _manage(request)
    ranking = selectors.rankings_for(request.user).filter(pk=ranking_id).first()
    if (
        ranking is None
        or not request.user.is_superuser
        and not ranking.area.code.startswith(request.user.division.prefix if request.user.division else "-")
    ):
        raise AppError(
            "榜单不存在或不在辖区内", "no such ranking in your scope", status=404, code="not_found"
        )
    return services.ranking_publish(ranking, request.user)
