from django.urls import path

from gaps import api
from gaps.views import downloads, pages

app_name = "gaps"

urlpatterns = [
    # Planners and coordinators
    path("brechas/", pages.gap_map, name="map"),
    path("brechas/tendencias/", pages.gap_trends, name="trends"),
    path("brechas/red/", pages.network, name="network"),
    path(
        "brechas/descargas/brechas.<str:fmt>",
        downloads.gap_inventory_download,
        name="inventory_download",
    ),
    path("brechas/descargas/red.<str:fmt>", downloads.network_download, name="network_download"),
    # JSON (config/urls.py includes this module at the site root)
    path("api/gaps/map/", api.GapMapView.as_view(), name="api_map"),
    path("api/gaps/inventory/", api.GapInventoryView.as_view(), name="api_inventory"),
    path("api/gaps/network/", api.NetworkIndicatorsView.as_view(), name="api_network"),
    path("api/gaps/casework/", api.CaseworkIndicatorsView.as_view(), name="api_casework"),
]
