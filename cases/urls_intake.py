"""Intake pages of the case file: reports, the three access routes, outreach lists."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
