from django.urls import URLPattern, path

from cases import api_family

urlpatterns: list[URLPattern] = [
    path("families/<uuid:family_id>/", api_family.FamilyDetailView.as_view(), name="family"),
    path(
        "families/<uuid:family_id>/accompaniment/",
        api_family.AccompanimentView.as_view(),
        name="family-accompaniment",
    ),
    path(
        "families/<uuid:family_id>/accompaniment/exit/",
        api_family.AccompanimentExitView.as_view(),
        name="family-accompaniment-exit",
    ),
    path(
        "families/<uuid:family_id>/sessions/",
        api_family.SessionListView.as_view(),
        name="family-sessions",
    ),
]
