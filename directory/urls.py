from django.urls import include, path

app_name = "directory"

urlpatterns = [
    path("hsds/", include("directory.hsds.urls")),
]
