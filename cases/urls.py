from django.urls import path

from cases import urls_assessment, urls_family, urls_intake, urls_plan, urls_team, views

app_name = "cases"

urlpatterns = [
    path(
        "casos/<uuid:case_id>/admisibilidad/",
        views.case_admissibility,
        name="case_admissibility",
    ),
    path(
        "casos/<uuid:case_id>/admisibilidad/decidir/",
        views.case_admissibility_post,
        name="admissibility_decide",
    ),
    path("casos/<uuid:case_id>/via/", views.case_route, name="case_route"),
    path("casos/<uuid:case_id>/via/decidir/", views.case_route_post, name="route_decide"),
    path("casos/<uuid:case_id>/seguimiento/", views.case_follow_up, name="case_follow_up"),
    path(
        "casos/<uuid:case_id>/seguimiento/planificar/",
        views.follow_up_plan,
        name="follow_up_plan",
    ),
    path(
        "casos/<uuid:case_id>/seguimiento/<uuid:follow_up_id>/registrar/",
        views.follow_up_done,
        name="follow_up_record",
    ),
    path("casos/<uuid:case_id>/notas/", views.case_notes, name="case_notes"),
    path("casos/<uuid:case_id>/notas/nueva/", views.case_note_add, name="case_note_add"),
    path("casos/<uuid:case_id>/cierre/", views.case_closure, name="case_closure"),
    path("casos/<uuid:case_id>/cierre/solicitar/", views.case_closure_ask, name="closure_request"),
    path(
        "casos/<uuid:case_id>/cierre/<uuid:closure_id>/decidir/",
        views.case_closure_decide,
        name="closure_decide",
    ),
    path(
        "casos/<uuid:case_id>/cierre/<uuid:closure_id>/retirar/",
        views.case_closure_withdraw,
        name="closure_withdraw",
    ),
    path("casos/<uuid:case_id>/reabrir/", views.case_reopen_page, name="case_reopen"),
]
urlpatterns += (
    urls_intake.urlpatterns
    + urls_team.urlpatterns
    + urls_assessment.urlpatterns
    + urls_plan.urlpatterns
    + urls_family.urlpatterns
)
