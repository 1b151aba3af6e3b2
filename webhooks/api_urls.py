from django.urls import path

from webhooks import api

app_name = "webhooks-api"

urlpatterns = [
    path("webhooks/", api.SubscriptionListView.as_view(), name="subscriptions"),
    path(
        "webhooks/<uuid:subscription_id>/",
        api.SubscriptionDetailView.as_view(),
        name="subscription",
    ),
    path(
        "webhooks/<uuid:subscription_id>/pause/",
        api.SubscriptionPauseView.as_view(),
        name="subscription-pause",
    ),
    path(
        "webhooks/<uuid:subscription_id>/resume/",
        api.SubscriptionResumeView.as_view(),
        name="subscription-resume",
    ),
]
