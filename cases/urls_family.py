"""The family's pages."""

from django.urls import URLPattern, path

from cases.views import family

urlpatterns: list[URLPattern] = [
    path("familias/<uuid:family_id>/", family.family_page, name="family"),
    path(
        "familias/<uuid:family_id>/cuidadores/",
        family.caregiver_add_page,
        name="family_caregiver_add",
    ),
    path(
        "familias/<uuid:family_id>/objetivos/",
        family.family_goal_add_page,
        name="family_goal_add",
    ),
    path(
        "familias/<uuid:family_id>/objetivos/<uuid:goal_id>/",
        family.family_goal_update_page,
        name="family_goal_update",
    ),
    path(
        "familias/<uuid:family_id>/acompanamiento/",
        family.accompaniment_log_page,
        name="family_accompaniment",
    ),
    path(
        "familias/<uuid:family_id>/acompanamiento/iniciar/",
        family.accompaniment_start_page,
        name="accompaniment_start",
    ),
    path(
        "familias/<uuid:family_id>/acompanamiento/sesion/",
        family.session_log_page,
        name="accompaniment_session",
    ),
    path(
        "familias/<uuid:family_id>/acompanamiento/cierre/",
        family.accompaniment_end_page,
        name="accompaniment_end",
    ),
    path("casos/<uuid:case_id>/familia/crear/", family.family_create_page, name="family_create"),
    path("casos/<uuid:case_id>/familia/vincular/", family.family_link_page, name="family_link"),
]
