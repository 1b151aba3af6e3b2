from django.urls import path

from maps import views

app_name = "maps"

urlpatterns = [
    path("", views.service_map, name="service_map"),
    path("buscar/", views.service_search_page, name="service_search"),
    path("mapa/servicios.geojson", views.service_map_data, name="service_map_data"),
    path("mapa/territorios.geojson", views.territory_map_data, name="territory_map_data"),
]
