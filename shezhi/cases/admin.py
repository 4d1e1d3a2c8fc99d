"""Admin for the reference data an office maintains: categories, units, routing matrix, calendar.

Cases themselves change only through the services (so every change has its event row);
the admin shows them read-only.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shezhi.cases.models import (
    CalendarDay,
    Case,
    CaseEvent,
    Category,
    CategoryAttribute,
    Open311Client,
    RoutingRule,
    Unit,
)


class AttributeInline(admin.TabularInline):
    model = CategoryAttribute
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "response_hours", "handle_days", "urgent", "active"]
    list_filter = ["active", "urgent", "parent"]
    search_fields = ["code", "name", "keywords"]
    inlines = [AttributeInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "division", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "division__name"]
    raw_id_fields = ["division"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "division", "unit"]
    search_fields = ["division__name", "unit__name", "category__name"]
    raw_id_fields = ["division", "unit", "category"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "active", "created_at"]
    readonly_fields = ["prefix", "created_at"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are issued with `manage.py issue_open311_key`, shown once


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnly):
    list_display = ["code", "title", "channel", "state", "sla_state", "division", "opened_at"]
    list_filter = ["state", "channel", "sla_state"]
    search_fields = ["code", "title"]
    exclude = ["reporter_name", "reporter_phone", "reporter_phone_index"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnly):
    list_display = ["case", "kind", "action", "actor_label", "created_at"]
    list_filter = ["kind"]
