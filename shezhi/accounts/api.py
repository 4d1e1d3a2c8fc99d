"""API operations about the caller."""

from django.http import HttpRequest
from ninja import Router, Schema

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
