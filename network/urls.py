from django.urls import path

from network import views

app_name = "network"

urlpatterns = [
    path("reuniones/", views.meeting_list, name="meeting_list"),
    path("reuniones/<uuid:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("reuniones/<uuid:meeting_id>/acta/", views.meeting_minutes, name="meeting_minutes"),
    path(
        "reuniones/<uuid:meeting_id>/casos/<uuid:item_id>/",
        views.agenda_item_update,
        name="agenda_item_update",
    ),
    path(
        "reuniones/acuerdos/<uuid:agreement_id>/",
        views.agreement_status,
        name="agreement_status",
    ),
]
