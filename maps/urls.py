from django.urls import path

from maps import edit_views, views
from maps.start_views import start_page

app_name = "maps"

urlpatterns = [
    path("", views.service_map, name="service_map"),
    path("inicio/", views.home, name="home"),
    path("inicio/puesta-en-marcha/", start_page, name="start"),
    path("buscar/", views.service_search_page, name="service_search"),
    path("mapa/servicios.geojson", views.service_map_data, name="service_map_data"),
    path("mapa/lista.json", views.service_map_list_data, name="service_map_list"),
    path("mapa/ficha/<uuid:service_at_site_id>/", views.service_card_page, name="service_card"),
    path("mapa/territorios.geojson", views.territory_map_data, name="territory_map_data"),
    path("mapa/editar/", edit_views.edit_index, name="edit_index"),
    path("mapa/editar/lugares/<uuid:site_id>/", edit_views.site_edit, name="site_edit"),
    path(
        "mapa/editar/prestaciones/<uuid:service_id>/area/",
        edit_views.service_area_edit,
        name="service_area_edit",
    ),
]
