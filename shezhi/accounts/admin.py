from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.models import AccountEvent, ApiToken, User


class ScopedModelAdmin(admin.ModelAdmin):
    """Admin of a scoped model: staff see and change only their area's rows, as elsewhere."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).visible_to(request.user)  # type: ignore[attr-defined]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "division", "grid", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["division", "grid"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("角色与辖区"), {"fields": ("display_name", "role", "division", "grid", "must_change_password")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators may see and revoke tokens here; users create theirs on /accounts/tokens/."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a token made here would have no key; the owner creates one on the token page


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """The account audit trail, read-only: it is written only by the account services."""

    list_display = ["at", "actor_name", "action", "target_name", "subject", "area_code"]
    list_filter = ["action"]
    search_fields = ["actor_name", "target_name", "subject"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def _superusers_only(request: HttpRequest) -> bool:
    """The Django admin is for superusers; area staff administer accounts in the app."""
    return bool(request.user.is_active and request.user.is_superuser)


admin.site.has_permission = _superusers_only  # type: ignore[method-assign]
