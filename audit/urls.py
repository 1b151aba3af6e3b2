from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("auditoria/", views.audit_search_page, name="search"),
    path("auditoria/exportar.csv", views.audit_export_csv, name="export"),
]
