from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("entrar/", views.LoginView.as_view(), name="login"),
    path("entrar/codigo/", views.otp_verify, name="otp_verify"),
    path("salir/", auth_views.LogoutView.as_view(), name="logout"),
    path("cuenta/doble-factor/", views.otp_setup, name="otp_setup"),
    path("cuenta/tokens/", views.api_tokens, name="api_tokens"),
]
