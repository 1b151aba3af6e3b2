"""Intake pages of the case file: reports, the three access routes, outreach lists."""

from django.urls import URLPattern, path

from cases.views import intake, intake_links

urlpatterns: list[URLPattern] = [
    path("ingreso/", intake.intake, name="intake"),
    path("ingreso/reportes/", intake.report_queue, name="report_queue"),
    path("ingreso/reportes/<uuid:report_id>/", intake.report_detail, name="report_detail"),
    path(
        "ingreso/reportes/<uuid:report_id>/documento/",
        intake.report_document,
        name="report_document",
    ),
    path(
        "ingreso/reportes/<uuid:report_id>/vincular/",
        intake.report_link_post,
        name="report_link",
    ),
    path(
        "ingreso/reportes/<uuid:report_id>/descartar/",
        intake.report_dismiss_post,
        name="report_dismiss",
    ),
    path("ingreso/busqueda-activa/", intake.outreach_lists, name="outreach_lists"),
    path(
        "ingreso/busqueda-activa/<uuid:outreach_id>/",
        intake.outreach_detail,
        name="outreach_detail",
    ),
    path(
        "ingreso/busqueda-activa/<uuid:outreach_id>/hallazgos/",
        intake.finding_add,
        name="finding_add",
    ),
    path(
        "ingreso/busqueda-activa/<uuid:outreach_id>/hallazgos/<uuid:finding_id>/ingresar/",
        intake.finding_convert,
        name="finding_convert",
    ),
    path(
        "ingreso/busqueda-activa/<uuid:outreach_id>/hallazgos/<uuid:finding_id>/descartar/",
        intake.finding_dismiss,
        name="finding_dismiss",
    ),
    path("ingreso/casos/<uuid:case_id>/vinculos/", intake_links.case_links, name="case_links"),
    path(
        "ingreso/casos/<uuid:case_id>/vinculos/pedir/",
        intake_links.case_link_ask,
        name="case_link_ask",
    ),
    path("ingreso/vinculos/", intake_links.link_requests, name="link_requests"),
    path(
        "ingreso/vinculos/<uuid:request_id>/responder/",
        intake_links.link_request_answer,
        name="link_request_answer",
    ),
]
