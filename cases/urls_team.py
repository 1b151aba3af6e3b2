"""Case-team pages: partners, reassignment, transfer, progress notes, supervisors."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
