"""Admin of webhook subscriptions: an organization's administrator or coordinator sees
and manages its own only. Writes go through the services (audited); the secret is shown
once, in the message after the subscription is created."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.gates import actor_of
from audit.models import AuditRecordType
from audit.services import audit_refused
from webhooks.addresses import webhook_url_check
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from webhooks.selectors import (
    webhook_can_manage,
    webhook_organizations,
    webhook_subscriptions_for,
)
from webhooks.services import (
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_pause,
    webhook_subscription_resume,
)


class SubscriptionAddForm(forms.ModelForm):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=gettext_lazy("events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookSubscription
        fields = ["organization", "url", "events", "description"]

    def clean_url(self) -> str:
        try:
            return webhook_url_check(url=self.cleaned_data["url"])
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["url"]) from error


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ("at", "event_type", "attempt", "status_code", "error", "duration_ms", "succeeded")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["url", "organization", "status", "consecutive_failures", "created"]
    list_filter = ["status"]
    readonly_fields = [
        "organization",
        "url",
        "events",
        "description",
        "status",
        "consecutive_failures",
        "created_by",
        "created",
        "paused_at",
    ]
    inlines = [DeliveryInline]
    actions = ["pause_selected", "resume_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookSubscription]:
        return webhook_subscriptions_for(user=request.user)

    def _scoped_or_404(self, request: HttpRequest, object_id: str) -> None:
        # Another organization's subscription answers as one that does not exist: a
        # 404, not the admin's redirect with "does not exist" (and an audit entry).
        if self.get_object(request, unquote(object_id)) is None:
            audit_refused(request, record_type=AuditRecordType.WEBHOOK, record_id=object_id)
            raise Http404

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._scoped_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._scoped_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = SubscriptionAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.base_fields["organization"].queryset = webhook_organizations(  # type: ignore[attr-defined]
                user=request.user
            )
        return form

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return self.inlines if obj is not None else []

    def has_module_permission(self, request: HttpRequest) -> bool:
        return webhook_can_manage(user=request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return webhook_can_manage(user=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return webhook_can_manage(user=request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Nothing is edited in place: a new address or events is a new subscription
        # (and a new secret). Pausing and resuming are the list's actions.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return webhook_can_manage(user=request.user)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        created = webhook_subscription_create(
            actor=actor_of(request),
            organization=form.cleaned_data["organization"],
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            description=form.cleaned_data.get("description", ""),
            request=request,
        )
        # The admin's redirect and message use the saved row's id.
        obj.pk = created.pk
        obj._state.adding = False
        messages.warning(
            request,
            _("Copy the secret now, Puente will not show it again: %(secret)s")
            % {"secret": created.secret},
        )

    def delete_model(self, request: HttpRequest, obj: WebhookSubscription) -> None:
        webhook_subscription_delete(actor=actor_of(request), subscription=obj, request=request)

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]
    ) -> None:
        for subscription in queryset:
            self.delete_model(request, subscription)

    @admin.action(description=gettext_lazy("Pause the selected subscriptions"))
    def pause_selected(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for subscription in queryset:
            webhook_subscription_pause(
                actor=actor_of(request), subscription=subscription, request=request
            )

    @admin.action(description=gettext_lazy("Resume the selected subscriptions"))
    def resume_selected(
        self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]
    ) -> None:
        for subscription in queryset:
            try:
                webhook_subscription_resume(
                    actor=actor_of(request), subscription=subscription, request=request
                )
            except ValidationError as error:
                self.message_user(
                    request, f"{subscription.url}: {' '.join(error.messages)}", messages.ERROR
                )
