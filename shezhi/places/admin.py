from django.contrib import admin

from shezhi.accounts.admin import ScopedModelAdmin
from shezhi.places.models import Building, Compound, Division, Grid


@admin.register(Division)
class DivisionAdmin(ScopedModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Grid)
class GridAdmin(ScopedModelAdmin):
    list_display = ["code", "name", "kind", "community", "source"]
    list_filter = ["kind", "source"]
    search_fields = ["code", "name"]
    raw_id_fields = ["community", "parent", "leader"]


@admin.register(Compound)
class CompoundAdmin(ScopedModelAdmin):
    list_display = ["name", "community", "grid", "households", "source"]
    list_filter = ["source"]
    search_fields = ["name"]
    raw_id_fields = ["community", "grid"]


@admin.register(Building)
class BuildingAdmin(ScopedModelAdmin):
    list_display = ["name", "compound", "floors", "source"]
    search_fields = ["name"]
    raw_id_fields = ["compound"]
