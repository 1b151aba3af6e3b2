from django.urls import path

from directory import verification_views as views

app_name = "verification"

urlpatterns = [
    # The provider's one-time link: the token is the only thing in the address.
    path("verificar/<str:token>/", views.verification_link, name="link"),
    path("prestador/verificacion/", views.verification_mine, name="mine"),
    path(
        "prestador/verificacion/<uuid:organization_id>/",
        views.verification_signed_in,
        name="signed_in",
    ),
    path("coordinacion/verificacion/", views.review_queue, name="review_queue"),
    path("coordinacion/verificacion/<uuid:update_id>/", views.review_update, name="review_update"),
]
