from django.urls import path

from shezhi.cases import views, views_intake, views_reports

app_name = "cases"
urlpatterns = [
    path("", views.case_index, name="index"),
    path("new/", views_intake.resident_new, name="new"),
    path("patrol/", views_intake.patrol_new, name="patrol"),
    path("desk/", views_intake.desk_new, name="desk"),
    path("kpis/", views_reports.kpi_page, name="kpis"),
    path("hotspots/", views_reports.hotspot_page, name="hotspots"),
    path("hotspots.geojson", views_reports.hotspot_layer, name="hotspots_geojson"),
    path("import/", views_reports.hotline_import_page, name="import"),
    path("<str:code>/", views.case_detail, name="case"),
    path("<str:code>/act/", views.case_act, name="act"),
    path("<str:code>/reveal/", views.case_reveal, name="reveal"),
    path("<str:code>/photo/", views.case_photo, name="photo"),
]
