from django.urls import path

from shezhi.lifecircle import extract_views, report_views, views

app_name = "lifecircle"
urlpatterns = [
    path("", views.run_index, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/status.json", views.run_status, name="run_status"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("runs/<int:pk>/gaps/", views.run_gaps, name="run_gaps"),
    path("runs/<int:pk>/map/", views.run_map, name="run_map"),
    path("runs/<int:pk>/map.geojson", views.run_map_data, name="run_map_data"),
    path("runs/<int:pk>/what-if.json", views.run_what_if, name="run_what_if"),
    path("runs/<int:pk>/isochrone.geojson", views.run_isochrone, name="run_isochrone"),
    path("runs/<int:pk>/siting/", views.run_siting, name="run_siting"),
    path("sitings/<int:pk>/", views.siting_detail, name="siting"),
    path("facilities/import/", views.facility_import, name="facility_import"),
    path("standard/", views.standard, name="standard"),
    path("standard/v<int:number>/", views.standard, name="standard_version"),
    path("standard/elements/<slug:code>/revise/", views.element_revise, name="element_revise"),
    path("runs/<int:pk>/report.pdf", report_views.run_report_pdf, name="run_report_pdf"),
    path("runs/<int:pk>/report.xlsx", report_views.run_report_xlsx, name="run_report_xlsx"),
    path("extracts/", extract_views.extracts, name="extracts"),
    path("extracts/<int:pk>/", extract_views.extract_detail, name="extract"),
    path("extracts/<int:pk>/status.json", extract_views.extract_status, name="extract_status"),
    path("extracts/<int:pk>/cancel/", extract_views.extract_cancel, name="extract_cancel"),
]
