from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.models import ApiToken, User


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
        (_("角色与辖区"), {"fields": ("display_name", "role", "division", "grid")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
