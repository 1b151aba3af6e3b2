"""The integrated plan's pages."""

from django.urls import URLPattern, path

from cases.views import plan

urlpatterns: list[URLPattern] = [
    path("casos/<uuid:case_id>/plan/", plan.case_plan, name="case_plan"),
    path(
        "casos/<uuid:case_id>/plan/version/<int:number>/",
        plan.plan_version_page,
        name="plan_version",
    ),
    path("casos/<uuid:case_id>/plan/iniciar/", plan.plan_start_page, name="plan_start"),
    path("casos/<uuid:case_id>/plan/objetivo/", plan.plan_goal_page, name="plan_goal"),
    path("casos/<uuid:case_id>/plan/accion/", plan.plan_action_page, name="plan_action"),
    path(
        "casos/<uuid:case_id>/plan/accion/<uuid:action_id>/",
        plan.plan_action_update_page,
        name="plan_action_update",
    ),
    path("casos/<uuid:case_id>/plan/acuerdo/", plan.plan_agreement_page, name="plan_agreement"),
    path("casos/<uuid:case_id>/plan/enviar/", plan.plan_submit_page, name="plan_submit"),
    path("casos/<uuid:case_id>/plan/aprobar/", plan.plan_approve_page, name="plan_approve"),
    path("casos/<uuid:case_id>/plan/revisar/", plan.plan_review_page, name="plan_review"),
]
