"""The common assessment's pages."""

from django.urls import URLPattern, path

from cases.views import assessment

urlpatterns: list[URLPattern] = [
    path("casos/<uuid:case_id>/valoracion/", assessment.case_assessments, name="case_assessments"),
    path(
        "casos/<uuid:case_id>/valoracion/iniciar/",
        assessment.assessment_start_page,
        name="assessment_start",
    ),
    path(
        "casos/<uuid:case_id>/valoracion/<uuid:assessment_id>/dominio/<slug:domain_code>/",
        assessment.assessment_domain_page,
        name="assessment_domain",
    ),
    path(
        "casos/<uuid:case_id>/valoracion/<uuid:assessment_id>/decidir/",
        assessment.assessment_decide_page,
        name="assessment_decide",
    ),
]
