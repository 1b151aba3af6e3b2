from django.urls import URLPattern, path

from cases import api_assessment

urlpatterns: list[URLPattern] = [
    path(
        "cases/<uuid:case_id>/assessments/",
        api_assessment.CaseAssessmentListView.as_view(),
        name="assessments",
    ),
    path(
        "cases/<uuid:case_id>/assessments/<uuid:assessment_id>/",
        api_assessment.AssessmentDetailView.as_view(),
        name="assessment",
    ),
    path(
        "cases/<uuid:case_id>/assessments/<uuid:assessment_id>/domains/",
        api_assessment.AssessmentDomainView.as_view(),
        name="assessment-domains",
    ),
    path(
        "cases/<uuid:case_id>/assessments/<uuid:assessment_id>/decision/",
        api_assessment.AssessmentDecisionView.as_view(),
        name="assessment-decision",
    ),
]
