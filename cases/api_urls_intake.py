"""API routes of the front door (included by cases.api_urls under /api/)."""

from django.urls import URLPattern, path

from cases import api_intake as api

urlpatterns: list[URLPattern] = [
    path("reports/", api.ReportListView.as_view(), name="reports"),
    path("reports/<uuid:report_id>/", api.ReportDetailView.as_view(), name="report"),
    path(
        "reports/<uuid:report_id>/document/",
        api.ReportDocumentView.as_view(),
        name="report-document",
    ),
    path(
        "reports/<uuid:report_id>/convert/",
        api.ReportConvertView.as_view(),
        name="report-convert",
    ),
    path("reports/<uuid:report_id>/link/", api.ReportLinkView.as_view(), name="report-link"),
    path(
        "reports/<uuid:report_id>/dismiss/",
        api.ReportDismissView.as_view(),
        name="report-dismiss",
    ),
    path("outreach-lists/", api.OutreachListView.as_view(), name="outreach-lists"),
    path(
        "outreach-lists/<uuid:outreach_id>/",
        api.OutreachDetailView.as_view(),
        name="outreach-list",
    ),
    path(
        "outreach-lists/<uuid:outreach_id>/findings/",
        api.FindingListView.as_view(),
        name="outreach-findings",
    ),
    path(
        "outreach-lists/<uuid:outreach_id>/findings/<uuid:finding_id>/convert/",
        api.FindingConvertView.as_view(),
        name="finding-convert",
    ),
    path(
        "outreach-lists/<uuid:outreach_id>/findings/<uuid:finding_id>/dismiss/",
        api.FindingDismissView.as_view(),
        name="finding-dismiss",
    ),
    path("duplicate-check/", api.DuplicateCheckView.as_view(), name="duplicate-check"),
    path("cases/<uuid:case_id>/links/", api.CaseLinksView.as_view(), name="case-links"),
    path("link-requests/", api.LinkRequestListView.as_view(), name="link-requests"),
    path(
        "link-requests/<uuid:request_id>/answer/",
        api.LinkRequestAnswerView.as_view(),
        name="link-request-answer",
    ),
]
