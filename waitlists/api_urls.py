from django.urls import path

from waitlists import api

app_name = "waitlists-api"

urlpatterns = [
    path("enrolments/", api.EnrolmentCreateView.as_view(), name="enrolments"),
    path(
        "enrolments/<uuid:enrolment_id>/end/", api.EnrolmentEndView.as_view(), name="enrolment-end"
    ),
    path("offers/<uuid:offer_id>/answer/", api.OfferAnswerView.as_view(), name="offer-answer"),
    path("waitlists/", api.WaitlistNetworkView.as_view(), name="waitlists"),
    path("waitlists/history/", api.WaitlistHistoryView.as_view(), name="waitlist-history"),
    path("waitlists/<uuid:service_id>/", api.WaitlistServiceView.as_view(), name="waitlist"),
    path("allocation-rounds/", api.AllocationRoundCreateView.as_view(), name="rounds"),
    path(
        "allocation-rounds/<uuid:round_id>/confirm/",
        api.AllocationRoundConfirmView.as_view(),
        name="round-confirm",
    ),
]
