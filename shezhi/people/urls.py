from django.urls import path

from shezhi.people import views

app_name = "people"
urlpatterns = [
    path("residents/", views.resident_index, name="residents"),
    path("residents/new/", views.resident_create, name="resident_new"),
    path("residents/export/", views.resident_export, name="resident_export"),
    path("residents/lookup/", views.resident_lookup, name="resident_lookup"),
    path("residents/<int:pk>/", views.resident_detail, name="resident"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("households/", views.household_index, name="households"),
    path("pick/households/", views.pick_households, name="pick_households"),
    path("households/new/", views.household_create, name="household_new"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("facilities/", views.facility_index, name="facilities"),
    path("facilities/new/", views.facility_create, name="facility_new"),
    path("facilities/<int:pk>/edit/", views.facility_edit, name="facility_edit"),
    path("organisations/", views.organisation_index, name="organisations"),
    path("organisations/new/", views.organisation_create, name="organisation_new"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("access-log/", views.access_log_index, name="access_log"),
    path("import/", views.import_upload, name="import"),
    path("import/template.csv", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_batch, name="import_batch"),
]
