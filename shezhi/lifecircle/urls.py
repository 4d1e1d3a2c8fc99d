from django.urls import path

from shezhi.lifecircle import views

app_name = "lifecircle"
urlpatterns = [
    path("standard/", views.standard, name="standard"),
    path("standard/v<int:number>/", views.standard, name="standard_version"),
    path("standard/elements/<slug:code>/revise/", views.element_revise, name="element_revise"),
]
