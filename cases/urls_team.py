"""Case-team pages: partners, reassignment, transfer, progress notes, supervisors."""

from django.urls import URLPattern, path

from cases.views import team

urlpatterns: list[URLPattern] = [
    path("casos/<uuid:case_id>/equipo/", team.case_team, name="case_team"),
    path("casos/<uuid:case_id>/equipo/socios/", team.partner_add, name="partner_add"),
    path(
        "casos/<uuid:case_id>/equipo/socios/<uuid:partner_id>/terminar/",
        team.partner_end,
        name="partner_end",
    ),
    path("casos/<uuid:case_id>/equipo/asignar/", team.case_reassign_page, name="case_reassign"),
    path("casos/<uuid:case_id>/equipo/traspaso/", team.transfer_request, name="transfer_request"),
    path("casos/<uuid:case_id>/equipo/avance/", team.progress_report_add, name="progress_add"),
    path("traspasos/<uuid:transfer_id>/", team.transfer_detail, name="transfer_detail"),
    path("traspasos/<uuid:transfer_id>/responder/", team.transfer_answer, name="transfer_answer"),
    path("traspasos/<uuid:transfer_id>/aprobar/", team.transfer_approve, name="transfer_approve"),
    path("traspasos/<uuid:transfer_id>/retirar/", team.transfer_withdraw, name="transfer_withdraw"),
    path("equipo/", team.caseload, name="caseload"),
]
