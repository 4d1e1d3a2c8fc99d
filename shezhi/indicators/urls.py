from django.urls import path

from shezhi.indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("plans/", views.plans, name="plans"),
    path("reports/annual/", views.report_file, {"template": "annual"}, name="report_annual"),
    path("catalogue/<str:code>/", views.indicator_detail, name="indicator"),
    path("values/<int:pk>/", views.value_detail, name="value"),
    path("rankings/<int:pk>/", views.ranking_detail, name="ranking"),
    path("rankings/<int:pk>/<str:code>/", views.ranking_explain, name="explain"),
]
