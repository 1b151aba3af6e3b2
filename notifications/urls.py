from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("cuenta/avisos/", views.preferences, name="preferences"),
]
