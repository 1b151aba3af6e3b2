"""Reads of listing verification: the schedule, what is due, the listings a request
covers, the review queue, and "verified N days ago" for cards and exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role
from accounts.selectors import AnyUser, user_organization_ids
from directory.models import (
    Eligibility,
    ListingUpdate,
    ListingUpdateStatus,
    Organization,
    Service,
    ServiceAtSite,
    ServiceStatus,
    VerificationRequest,
    VerificationSchedule,
)

# What a provider confirms or corrects for each service at a site, and where it lives.
LISTING_FIELDS: dict[str, str] = {
    "schedule_description": "service_at_site",
    "capacity": "service_at_site",
    "declared_capacity_status": "service_at_site",
    "declared_wait_days": "service_at_site",
    "email": "service",
    "min_age": "eligibility",
    "max_age": "eligibility",
    "address_1": "site",
    "city": "site",
}


def verification_schedule_get() -> VerificationSchedule:
    schedule, _created = VerificationSchedule.objects.get_or_create(pk=1)
    return schedule


def organization_list_for_provider(*, user: AnyUser) -> QuerySet[Organization]:
    """The organizations whose listings the user verifies as provider staff."""
    return Organization.objects.filter(
        pk__in=user_organization_ids(user=user, role=Role.PROVIDER)
    ).order_by("name")


def verification_listing_rows(*, organization: Organization) -> QuerySet[ServiceAtSite]:
    """The services at sites a request of ``organization`` covers: its active ones."""
    return (
        ServiceAtSite.objects.filter(
            service__organization=organization, service__status=ServiceStatus.ACTIVE
        )
        .select_related("service", "site", "service__eligibility")
        .order_by("service__name", "site__name")
    )


def listing_current(*, service_at_site: ServiceAtSite) -> dict[str, Any]:
    """The listing's verifiable fields as they stand (JSON-safe)."""
    row = service_at_site
    eligibility = Eligibility.objects.filter(service_id=row.service_id).first()
    return {
        "schedule_description": row.schedule_description,
        "capacity": row.capacity,
        "declared_capacity_status": row.declared_capacity_status,
        "declared_wait_days": row.declared_wait_days,
        "email": row.service.email,
        "min_age": eligibility.min_age if eligibility else None,
        "max_age": eligibility.max_age if eligibility else None,
        "address_1": row.site.address_1,
        "city": row.site.city,
    }


def organization_list_verification_due(*, today: date) -> QuerySet[Organization]:
    """Organizations with a contact address, no open request, and an active service
    verified longer ago than the schedule allows (sooner where it records slots)."""
    schedule = verification_schedule_get()
    yearly = today - timedelta(days=schedule.interval_days)
    sooner = today - timedelta(days=schedule.interval_with_capacity_days)
    due_services = Service.objects.filter(
        organization=OuterRef("pk"), status=ServiceStatus.ACTIVE
    ).filter(
        Q(verified_on__isnull=True)
        | Q(verified_on__lt=yearly)
        | Q(verified_on__lt=sooner, service_at_sites__capacity__gt=0)
    )
    open_request = VerificationRequest.objects.filter(
        organization=OuterRef("pk"), answered_at__isnull=True
    )
    return (
        Organization.objects.exclude(email="")
        .filter(Exists(due_services))
        .exclude(Exists(open_request))
        .order_by("name")
    )


def listing_update_review_queue() -> QuerySet[ListingUpdate]:
    """Corrections waiting for the coordinator, oldest first."""
    return ListingUpdate.objects.filter(status=ListingUpdateStatus.PENDING).select_related(
        "request__organization", "service_at_site__service", "service_at_site__site"
    )


def listing_update_get_pending(*, update_id: Any) -> ListingUpdate | None:
    return listing_update_review_queue().filter(pk=update_id).first()


def verification_request_list_unanswered() -> QuerySet[VerificationRequest]:
    return VerificationRequest.objects.filter(answered_at__isnull=True).select_related(
        "organization"
    )


def listing_update_recent(*, limit: int = 20) -> QuerySet[ListingUpdate]:
    return (
        ListingUpdate.objects.exclude(status=ListingUpdateStatus.PENDING)
        .select_related("service_at_site__service", "reviewed_by", "request__organization")
        .order_by("-reviewed_at")[:limit]
    )


@dataclass(frozen=True)
class VerifiedSince:
    days: int | None  # None: never verified
    by: str

    @property
    def sentence(self) -> str:
        if self.days is None:
            return _("Not verified yet.")
        if self.days == 0:
            when = _("Verified today")
        else:
            when = ngettext("Verified %(n)s day ago", "Verified %(n)s days ago", self.days) % {
                "n": self.days
            }
        return f"{when} · {self.by}." if self.by else f"{when}."


def service_verified_since(*, service: Service, today: date | None = None) -> VerifiedSince:
    """“Verified N days ago, by whom” for a card, a search result or an export."""
    if service.verified_on is None:
        return VerifiedSince(days=None, by="")
    days = max(((today or date.today()) - service.verified_on).days, 0)
    by = service.verified_by_label
    # Only a user already loaded: a list of results must not read one per row.
    if not by and Service.verified_by.is_cached(service) and service.verified_by is not None:
        by = service.verified_by.get_full_name() or service.verified_by.get_username()
    return VerifiedSince(days=days, by=by)


def services_verified_within(*, since: date, until: date) -> int:
    """Active services last verified between the two days (inclusive)."""
    return Service.objects.filter(
        status=ServiceStatus.ACTIVE, verified_on__gte=since, verified_on__lte=until
    ).count()


def services_active_count() -> int:
    return Service.objects.filter(status=ServiceStatus.ACTIVE).count()
