from django.urls import path

from network import api

app_name = "network-api"

urlpatterns = [
    path("meetings/", api.MeetingListView.as_view(), name="meetings"),
    path("meetings/<uuid:meeting_id>/", api.MeetingDetailView.as_view(), name="meeting"),
    path(
        "meetings/<uuid:meeting_id>/proposal/",
        api.MeetingProposalView.as_view(),
        name="meeting-proposal",
    ),
]
