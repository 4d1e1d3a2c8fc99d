"""Admin (superusers only): masked personal fields, history of every change, read-only access log."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from shezhi.people.models import AccessLog, Facility, Household, ImportBatch, Organisation, Resident


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ["compound", "building", "unit", "room", "status", "grid", "synthetic"]
    list_filter = ["status", "synthetic"]
    search_fields = ["compound__name", "room"]
    raw_id_fields = ["compound"]


@admin.register(Resident)
class ResidentAdmin(SimpleHistoryAdmin):
    """ID numbers and phones stay masked here too; pages reveal them with a logged reason."""

    list_display = [
        "masked_name",
        "masked_id_number",
        "masked_phone",
        "sex",
        "birth_date",
        "household",
        "synthetic",
    ]
    list_filter = ["sex", "relation", "synthetic"]
    search_fields = ["name"]
    raw_id_fields = ["household"]
    exclude = ["id_number", "phone"]
    readonly_fields = ["masked_id_number", "masked_phone", "sex", "birth_date"]
    history_list_display = ["masked_name"]


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "uscc", "community", "synthetic"]
    list_filter = ["kind", "synthetic"]
    search_fields = ["name", "uscc"]
    raw_id_fields = ["community", "grid"]
    exclude = ["contact_phone"]


@admin.register(Facility)
class FacilityAdmin(SimpleHistoryAdmin):
    list_display = ["name", "category", "level", "community", "capacity", "synthetic"]
    list_filter = ["category", "level", "synthetic"]
    search_fields = ["name"]
    raw_id_fields = ["community", "grid", "operator"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "subject", "field", "reason", "division_code"]
    list_filter = ["field"]
    search_fields = ["actor__username", "reason", "division_code"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "filename", "status", "total_rows", "good_rows"]
    list_filter = ["status"]
    readonly_fields = ["errors"]
