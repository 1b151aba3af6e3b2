from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

admin.site.site_header = "Puente"
admin.site.site_title = "Puente"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("", include("notifications.urls")),
    path("", include("people.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script as a file: no inline script for the CSP to refuse.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("cases.api_urls")),
    path("api/", include("matching.api_urls")),
    path("api/", include("waitlists.api_urls")),
    path("api/", include("network.api_urls")),
    path("api/", include("directory.urls")),
    path("api/", include("webhooks.api_urls")),
    path("", include("cases.urls")),
    path("", include("matching.urls")),
    path("", include("waitlists.urls")),
    path("", include("network.urls")),
    path("", include("gaps.urls")),
    path("", include("audit.urls")),
    path("", include("directory.verification_urls")),
    path("", include("maps.urls")),
]
