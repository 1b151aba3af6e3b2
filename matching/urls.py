from django.urls import path

from matching.views import alerts, cases, coordination, external, inbox, provider, tasks

app_name = "matching"

urlpatterns = [
    # Caseworkers
    path("casos/", cases.case_list, name="case_list"),
    path("tareas/", tasks.tasks, name="tasks"),
    path("casos/nuevo/", cases.case_new, name="case_new"),
    path("casos/<uuid:case_id>/", cases.case_detail, name="case_detail"),
    path("casos/<uuid:case_id>/consentimientos/", cases.consent_add, name="consent_add"),
    path("casos/<uuid:case_id>/necesidades/", cases.need_add, name="need_add"),
    path("casos/<uuid:case_id>/opciones/", cases.case_options, name="case_options"),
    path(
        "derivaciones/<uuid:referral_id>/retirar/",
        cases.referral_withdraw,
        name="referral_withdraw",
    ),
    path(
        "derivaciones/<uuid:referral_id>/enlace/reenviar/",
        external.referral_link_resend,
        name="referral_link_resend",
    ),
    path(
        "derivaciones/<uuid:referral_id>/enlace/revocar/",
        external.referral_link_revoke_view,
        name="referral_link_revoke",
    ),
    path(
        "derivaciones/<uuid:referral_id>/carta/", external.referral_letter, name="referral_letter"
    ),
    path("alertas/<uuid:alert_id>/responder/", cases.alert_answer, name="alert_answer"),
    path("bandeja/", inbox.inbox, name="inbox"),
    path("bandeja/leidas/", inbox.notification_read, name="notification_read"),
    # Provider staff
    path("prestador/derivaciones/", provider.provider_inbox, name="provider_inbox"),
    path(
        "prestador/derivaciones/<uuid:referral_id>/",
        provider.provider_referral,
        name="provider_referral",
    ),
    # Local coordination
    path("coordinacion/", coordination.coordination, name="coordination"),
    path("coordinacion/politica/", coordination.policy, name="policy"),
    path(
        "coordinacion/derivaciones/<uuid:referral_id>/",
        coordination.referral_follow_up,
        name="referral_follow_up",
    ),
    path(
        "coordinacion/derivaciones/<uuid:referral_id>/recordar/",
        coordination.referral_remind,
        name="referral_remind",
    ),
    path(
        "coordinacion/derivaciones/<uuid:referral_id>/redirigir/",
        coordination.referral_redirect,
        name="referral_redirect",
    ),
    path("coordinacion/casos/<uuid:case_id>/", coordination.case_follow_up, name="case_follow_up"),
    path(
        "coordinacion/casos/<uuid:case_id>/revisar/",
        coordination.case_review,
        name="case_review",
    ),
    # Staff of a service not yet on Puente, through the referral letter's link (no account)
    path("derivacion-externa/<str:token>/", external.external_referral, name="external_referral"),
    # Any member of the network
    path("alertas/nueva/", alerts.alert_new, name="alert_raise"),
    path("alertas/enviada/", alerts.alert_sent, name="alert_sent"),
]
