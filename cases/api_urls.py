from django.urls import path

from cases import (
    api,
    api_urls_assessment,
    api_urls_family,
    api_urls_intake,
    api_urls_plan,
    api_urls_team,
)

app_name = "cases-api"

urlpatterns = [
    path(
        "cases/<uuid:case_id>/admissibility/",
        api.CaseAdmissibilityView.as_view(),
        name="admissibility",
    ),
    path("cases/<uuid:case_id>/closures/", api.CaseClosureListView.as_view(), name="closures"),
    path(
        "cases/<uuid:case_id>/closures/<uuid:closure_id>/decision/",
        api.CaseClosureDecisionView.as_view(),
        name="closure-decision",
    ),
    path(
        "cases/<uuid:case_id>/closures/<uuid:closure_id>/withdraw/",
        api.CaseClosureWithdrawView.as_view(),
        name="closure-withdraw",
    ),
    path("cases/<uuid:case_id>/reopen/", api.CaseReopenView.as_view(), name="reopen"),
]
urlpatterns += (
    api_urls_intake.urlpatterns
    + api_urls_team.urlpatterns
    + api_urls_assessment.urlpatterns
    + api_urls_plan.urlpatterns
    + api_urls_family.urlpatterns
)
