from django.urls import URLPattern, path

from cases import api_plan

urlpatterns: list[URLPattern] = [
    path(
        "cases/<uuid:case_id>/plan/versions/",
        api_plan.PlanVersionListView.as_view(),
        name="plan-versions",
    ),
    path(
        "cases/<uuid:case_id>/plan/actions/",
        api_plan.PlanActionListView.as_view(),
        name="plan-actions",
    ),
    path(
        "cases/<uuid:case_id>/plan/actions/<uuid:action_id>/",
        api_plan.PlanActionDetailView.as_view(),
        name="plan-action",
    ),
    path(
        "cases/<uuid:case_id>/plan/approval/",
        api_plan.PlanApprovalView.as_view(),
        name="plan-approval",
    ),
]
