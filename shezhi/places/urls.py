from django.urls import path

from shezhi.places import pickers, views

app_name = "places"
urlpatterns = [
    path("divisions/", views.division_tree, name="divisions"),
    path("divisions/<str:code>/", views.division_tree, name="division"),
    path("grids/", views.grid_index, name="grids"),
    path("grids/<str:code>/", views.grid_detail, name="grid"),
    path("grids/<str:code>/staff/", views.grid_staff, name="grid_staff"),
    path("map/", views.map_page, name="map"),
    path("map/layers.geojson", views.map_layers, name="map_layers"),
    path("map/basemap.geojson", views.basemap, name="basemap"),
    path("pick/divisions/", pickers.pick_divisions, name="pick_divisions"),
    path("pick/grids/", pickers.pick_grids, name="pick_grids"),
    path("pick/compounds/", pickers.pick_compounds, name="pick_compounds"),
]
