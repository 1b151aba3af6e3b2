from django.urls import path

from people import views

app_name = "people"

urlpatterns = [
    path("usuarios/invitaciones/", views.invitations, name="invitations"),
    path(
        "usuarios/invitaciones/<uuid:invitation_id>/",
        views.invitation_manage,
        name="invitation_manage",
    ),
    path("invitacion/<str:token>/", views.invitation_accept_page, name="invitation_accept"),
    path("entrar/olvide-clave/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "entrar/olvide-clave/enviado/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "entrar/nueva-clave/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "entrar/nueva-clave/listo/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
