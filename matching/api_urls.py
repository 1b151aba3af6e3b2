from django.urls import path

from matching import api

app_name = "matching-api"

urlpatterns = [
    path("cases/", api.CaseListView.as_view(), name="cases"),
    path("cases/<uuid:case_id>/", api.CaseDetailView.as_view(), name="case"),
    path("cases/<uuid:case_id>/priority/", api.CasePriorityView.as_view(), name="case-priority"),
    path("cases/<uuid:case_id>/consents/", api.CaseConsentView.as_view(), name="case-consents"),
    path("cases/<uuid:case_id>/options/", api.CaseOptionsView.as_view(), name="case-options"),
    path("alerts/", api.AlertCreateView.as_view(), name="alerts"),
    path("referrals/", api.ReferralCreateView.as_view(), name="referrals"),
    path(
        "referrals/<uuid:referral_id>/transition/",
        api.ReferralTransitionView.as_view(),
        name="referral-transition",
    ),
    path(
        "referrals/<uuid:referral_id>/link/", api.ReferralLinkView.as_view(), name="referral-link"
    ),
    path("provider/referrals/", api.ProviderReferralListView.as_view(), name="provider-referrals"),
    path(
        "provider/referrals/<uuid:referral_id>/",
        api.ProviderReferralDetailView.as_view(),
        name="provider-referral",
    ),
    path(
        "coordination/overdue-referrals/",
        api.OverdueReferralsView.as_view(),
        name="overdue-referrals",
    ),
    path("coordination/multiple-alerts/", api.MultipleAlertsView.as_view(), name="multiple-alerts"),
    path("priority-policy/", api.PolicyView.as_view(), name="priority-policy"),
]
