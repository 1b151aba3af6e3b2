from django.urls import include, path

from directory import api

app_name = "directory"

urlpatterns = [
    path("services/search/", api.ServiceSearchView.as_view(), name="service-search"),
    path("geo/services/", api.ServiceGeoView.as_view(), name="geo-services"),
    path("geo/sites/", api.SiteGeoView.as_view(), name="geo-sites"),
    path("hsds/", include("directory.hsds.urls")),
]
