from django.urls import URLPattern, path

from cases import api_team

urlpatterns: list[URLPattern] = [
    path("cases/<uuid:case_id>/team/", api_team.CaseTeamView.as_view(), name="team"),
    path(
        "cases/<uuid:case_id>/team/partners/",
        api_team.CasePartnerListView.as_view(),
        name="partners",
    ),
    path(
        "cases/<uuid:case_id>/team/partners/<uuid:partner_id>/end/",
        api_team.CasePartnerEndView.as_view(),
        name="partner-end",
    ),
    path(
        "cases/<uuid:case_id>/team/assignment/",
        api_team.CaseAssignmentView.as_view(),
        name="assignment",
    ),
    path(
        "cases/<uuid:case_id>/transfers/", api_team.CaseTransferListView.as_view(), name="transfers"
    ),
    path("cases/<uuid:case_id>/progress/", api_team.CaseProgressView.as_view(), name="progress"),
    path("transfers/", api_team.TransferInboxView.as_view(), name="transfer-inbox"),
    path("transfers/<uuid:transfer_id>/", api_team.TransferDetailView.as_view(), name="transfer"),
    path(
        "transfers/<uuid:transfer_id>/approval/",
        api_team.TransferApprovalView.as_view(),
        name="transfer-approval",
    ),
    path(
        "transfers/<uuid:transfer_id>/answer/",
        api_team.TransferAnswerView.as_view(),
        name="transfer-answer",
    ),
    path(
        "transfers/<uuid:transfer_id>/withdraw/",
        api_team.TransferWithdrawView.as_view(),
        name="transfer-withdraw",
    ),
]
