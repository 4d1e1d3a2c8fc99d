"""API operations about the caller, and account administration for city and district admins."""

from typing import Any

from django.apps import apps
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from shezhi.accounts import selectors, services
from shezhi.accounts.models import User
from shezhi.common.api import ErrorOut, InputSchema, PageNumberPagination, paginate, text
from shezhi.common.errors import AppError, Problem

router = Router(tags=["accounts 账号"])


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    division_code: str | None
    grid_code: str | None


@router.get("/me", response=MeOut, summary="当前用户 / the caller")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    return MeOut(
        username=user.username,
        display_name=user.display_name,  # type: ignore[union-attr]
        role=user.role,  # type: ignore[union-attr]
        role_label=str(user.get_role_display()),  # type: ignore[union-attr]
        division_code=user.division.code if user.division else None,  # type: ignore[union-attr]
        grid_code=user.grid.code if user.grid else None,  # type: ignore[union-attr]
    )


# --- Account administration (账号管理): city and district administrators ------------------


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    division_code: str | None
    grid_code: str | None
    is_active: bool
    must_change_password: bool

    @staticmethod
    def resolve_division_code(obj: User) -> str | None:
        return obj.division.code if obj.division_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_grid_code(obj: User) -> str | None:
        return obj.grid.code if obj.grid_id else None  # type: ignore[union-attr]


class UserPasswordOut(Schema):
    """An account and its one-time password: shown in this answer only, never stored."""

    user: UserOut
    password: str


class UserFilter(Schema):
    q: text(64) | None = None
    role: text(32) | None = None
    active: bool | None = None


class UserAssignmentIn(InputSchema):
    display_name: text(64) = ""
    role: text(32)
    division_code: text(12) | None = None
    grid_code: text(41) | None = None


class UserCreateIn(UserAssignmentIn):
    username: text(150, min_length=1)


def _area(actor: User, body: UserAssignmentIn) -> tuple[Any, Any]:
    """The division and grid a body names, among those the actor sees (else 422 on the field)."""
    division = grid = None
    if body.division_code:
        division = (
            apps.get_model("places", "Division")
            .objects.visible_to(actor)
            .filter(code=body.division_code)
            .first()
        )
        if division is None:
            raise AppError.from_problems(
                [
                    Problem(
                        "not_found",
                        "区划不存在或不在您的辖区内",
                        "no such division in your area",
                        "division_code",
                    )
                ]
            )
    if body.grid_code:
        grid = apps.get_model("places", "Grid").objects.visible_to(actor).filter(code=body.grid_code).first()
        if grid is None:
            raise AppError.from_problems(
                [Problem("not_found", "网格不存在或不在您的辖区内", "no such grid in your area", "grid_code")]
            )
    return division, grid


@router.get("/users", response=list[UserOut], summary="辖区内账号 / accounts in the caller's area")
@paginate(PageNumberPagination)
def user_list(request: HttpRequest, filters: Query[UserFilter]) -> Any:
    f = {"q": filters.q or "", "role": filters.role or ""}
    if filters.active is not None:
        f["active"] = "1" if filters.active else "0"
    return selectors.user_list(actor=request.user, filters=f)  # type: ignore[arg-type]


@router.post(
    "/users",
    response={201: UserPasswordOut, 409: ErrorOut},
    summary="创建账号（返回一次性密码）/ create an account (one-time password)",
)
def user_create(request: HttpRequest, body: UserCreateIn) -> Any:
    actor = request.user
    division, grid = _area(actor, body)  # type: ignore[arg-type]
    user, password = services.user_create(
        actor=actor,  # type: ignore[arg-type]
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        division=division,
        grid=grid,
    )
    return Status(201, {"user": user, "password": password})


@router.get("/users/{user_id}", response=UserOut, summary="账号详情 / one account")
def user_detail(request: HttpRequest, user_id: int) -> Any:
    return selectors.managed_user_get(actor=request.user, pk=user_id)  # type: ignore[arg-type]


@router.patch("/users/{user_id}", response=UserOut, summary="修改角色、辖区、网格 / change role and area")
def user_update(request: HttpRequest, user_id: int, body: UserAssignmentIn) -> Any:
    actor = request.user
    user = selectors.managed_user_get(actor=actor, pk=user_id)  # type: ignore[arg-type]
    division, grid = _area(actor, body)  # type: ignore[arg-type]
    services.user_update(
        actor=actor,  # type: ignore[arg-type]
        user=user,
        role=body.role,
        division=division,
        grid=grid,
        display_name=body.display_name or None,
    )
    return user


@router.post(
    "/users/{user_id}/reset-password",
    response=UserPasswordOut,
    summary="重置密码（返回一次性密码）/ reset the password (one-time password)",
)
def user_reset_password(request: HttpRequest, user_id: int) -> Any:
    actor = request.user
    user = selectors.managed_user_get(actor=actor, pk=user_id)  # type: ignore[arg-type]
    password = services.user_reset_password(actor=actor, user=user)  # type: ignore[arg-type]
    return {"user": user, "password": password}


@router.post("/users/{user_id}/deactivate", response=UserOut, summary="停用账号 / deactivate")
def user_deactivate(request: HttpRequest, user_id: int) -> Any:
    actor = request.user
    user = selectors.managed_user_get(actor=actor, pk=user_id)  # type: ignore[arg-type]
    services.user_set_active(actor=actor, user=user, active=False)  # type: ignore[arg-type]
    return user


@router.post("/users/{user_id}/reactivate", response=UserOut, summary="重新启用账号 / reactivate")
def user_reactivate(request: HttpRequest, user_id: int) -> Any:
    actor = request.user
    user = selectors.managed_user_get(actor=actor, pk=user_id)  # type: ignore[arg-type]
    services.user_set_active(actor=actor, user=user, active=True)  # type: ignore[arg-type]
    return user
