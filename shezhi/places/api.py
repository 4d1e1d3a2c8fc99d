"""API operations of the places part: division tree and search, grids, compounds."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from shezhi.common.api import InputSchema, PageNumberPagination, paginate, text
from shezhi.common.errors import AppError, Problem
from shezhi.places import selectors, services
from shezhi.places.models import Compound, Division, Grid

router = Router(tags=["places 区划与网格"])


class DivisionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None

    @staticmethod
    def resolve_parent_code(obj: Division) -> str | None:
        return obj.parent.code if obj.parent_id else None  # type: ignore[union-attr]


class DivisionDetailOut(DivisionOut):
    counts: dict[str, int]
    boundary_source: str


class DivisionFilter(Schema):
    q: text(100) | None = None
    level: text(16) | None = None
    parent: text(12) | None = None


class GridOut(Schema):
    code: str
    name: str
    kind: str
    community_code: str
    parent_code: str | None
    source: str
    centroid_lon: float
    centroid_lat: float
    area_m2: float

    @staticmethod
    def resolve_community_code(obj: Grid) -> str:
        return obj.community.code

    @staticmethod
    def resolve_parent_code(obj: Grid) -> str | None:
        return obj.parent.code if obj.parent_id else None  # type: ignore[union-attr]


class GridDetailOut(GridOut):
    boundary: dict[str, Any]
    police_officer: str
    police_station: str
    police_phone: str
    note: str


class GridFilter(Schema):
    kind: text(16) | None = None
    area: text(41) | None = None
    q: text(100) | None = None


class CompoundOut(Schema):
    id: int
    name: str
    community_code: str
    grid_code: str | None
    lon: float
    lat: float
    households: int | None
    households_estimated: bool
    source: str

    @staticmethod
    def resolve_community_code(obj: Compound) -> str:
        return obj.community.code

    @staticmethod
    def resolve_grid_code(obj: Compound) -> str | None:
        return obj.grid.code if obj.grid_id else None  # type: ignore[union-attr]


@router.get("/divisions", response=list[DivisionOut], summary="区划列表与搜索 / list and search")
@paginate(PageNumberPagination)
def division_list(request: HttpRequest, filters: Query[DivisionFilter]) -> Any:
    qs = Division.objects.visible_to(request.user).select_related("parent")
    if filters.q:
        qs = selectors.division_search(actor=request.user, q=filters.q)  # type: ignore[arg-type]
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    return qs.order_by("code")


@router.get("/divisions/{code}", response=DivisionDetailOut, summary="区划详情 / one division")
def division_detail(request: HttpRequest, code: str) -> Any:
    division = Division.objects.get_visible_or_404(request.user, code=code)
    division.counts = selectors.division_level_counts(  # type: ignore[attr-defined]
        actor=request.user,
        division=division,  # type: ignore[arg-type]
    )
    return division


@router.get("/divisions/{code}/children", response=list[DivisionOut], summary="下级区划 / children")
@paginate(PageNumberPagination)
def division_children(request: HttpRequest, code: str) -> Any:
    division = Division.objects.get_visible_or_404(request.user, code=code)
    return selectors.division_children(actor=request.user, division=division)  # type: ignore[arg-type]


@router.get("/grids", response=list[GridOut], summary="网格列表 / grids")
@paginate(PageNumberPagination)
def grid_list(request: HttpRequest, filters: Query[GridFilter]) -> Any:
    return selectors.grid_list(actor=request.user, filters=filters.dict())  # type: ignore[arg-type]


@router.get("/grids/{code}", response=GridDetailOut, summary="网格详情 / one grid", url_name="grid_detail")
def grid_detail(request: HttpRequest, code: str) -> Any:
    return Grid.objects.get_visible_or_404(request.user, code=code)


@router.get("/compounds", response=list[CompoundOut], summary="小区列表 / compounds")
@paginate(PageNumberPagination)
def compound_list(request: HttpRequest, grid: text(41) | None = None) -> Any:
    parent = Grid.objects.get_visible_or_404(request.user, code=grid) if grid else None
    return selectors.compound_list(actor=request.user, grid=parent)  # type: ignore[arg-type]


@router.get("/compounds/{compound_id}", response=CompoundOut, summary="小区详情 / one compound")
def compound_detail(request: HttpRequest, compound_id: int) -> Any:
    return Compound.objects.select_related("community", "grid").get_visible_or_404(
        request.user, pk=compound_id
    )


class GridStaffIn(InputSchema):
    """一格一长一警: the leader by username (empty: none), the police officer by name, unit, phone."""

    leader_username: text(150) = ""
    police_officer: text(64) = ""
    police_station: text(64) = ""
    police_phone: text(24) = ""


class GridStaffOut(Schema):
    code: str
    leader_username: str | None
    police_officer: str
    police_station: str
    police_phone: str

    @staticmethod
    def resolve_leader_username(obj: Grid) -> str | None:
        return obj.leader.username if obj.leader_id else None  # type: ignore[union-attr]


@router.put(
    "/grids/{code}/staff",
    response=GridStaffOut,
    summary="设置网格长、网格警 / set a grid's leader and police officer",
)
def grid_staff_set(request: HttpRequest, code: str, body: GridStaffIn) -> Any:
    grid = Grid.objects.select_related("community__parent").get_visible_or_404(request.user, code=code)
    leader = None
    if body.leader_username:
        leader = services.leader_candidates(grid=grid).filter(username=body.leader_username).first()
        if leader is None:
            raise AppError.from_problems(
                [
                    Problem(
                        "leader_outside",
                        "网格长须为本社区（或所属街道）的在岗工作人员",
                        "the leader must be active staff of this community or its street",
                        "leader_username",
                    )
                ]
            )
    services.grid_staff_assign(
        actor=request.user,  # type: ignore[arg-type]
        grid=grid,
        leader=leader,
        police_officer=body.police_officer,
        police_station=body.police_station,
        police_phone=body.police_phone,
    )
    return grid
