from django.urls import path

from waitlists.views import cases, coordination, provider

app_name = "waitlists"

urlpatterns = [
    # Provider staff
    path("prestador/cupos/", provider.provider_slots, name="provider_slots"),
    path(
        "prestador/cupos/<uuid:service_at_site_id>/capacidad/",
        provider.capacity_set,
        name="capacity_set",
    ),
    path(
        "prestador/inscripciones/<uuid:enrolment_id>/terminar/",
        provider.enrolment_finish,
        name="enrolment_end",
    ),
    path(
        "prestador/derivaciones/<uuid:referral_id>/ubicar/",
        provider.referral_placement,
        name="referral_place",
    ),
    # Caseworkers
    path("casos/<uuid:case_id>/listas/", cases.case_waitlists, name="case_waitlists"),
    path(
        "casos/<uuid:case_id>/listas/ofertas/<uuid:offer_id>/",
        cases.offer_answer,
        name="offer_answer",
    ),
    path("casos/<uuid:case_id>/listas/retirar/", cases.withdraw, name="withdraw"),
    # Local coordination
    path("coordinacion/listas/", coordination.network_waitlists, name="network"),
    path("coordinacion/rondas/", coordination.rounds, name="rounds"),
    path("coordinacion/rondas/<uuid:round_id>/", coordination.round_detail, name="round_detail"),
    path(
        "coordinacion/rondas/<uuid:round_id>/confirmar/",
        coordination.round_confirm,
        name="round_confirm",
    ),
    path(
        "coordinacion/rondas/<uuid:round_id>/descartar/",
        coordination.round_discard,
        name="round_discard",
    ),
]
