"""The demo's listing verification and capacity statuses (issue 20), beside the map.

Listings verified at different ages (the map's loader dates them) and by whom; one
organization's corrections waiting for the coordinator's review, one that has not
answered and was escalated; services at sites in each capacity status the provider
declares (the waitlist demo makes the derived ones).
"""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta

from django.utils import timezone

from directory.capacity import CapacityStatus
from directory.models import (
    ListingUpdate,
    ListingUpdateStatus,
    Organization,
    Service,
    ServiceAtSite,
    VerificationRequest,
)
from directory.selectors.verification import listing_current


def _digest(seed: int, label: str) -> str:
    # Demo requests' tokens were never mailed: a digest nobody can answer.
    return hashlib.sha256(f"demo-{seed}-{label}".encode()).hexdigest()


def demo_listing_verification(*, seed: int) -> None:
    rng = random.Random(seed + 20)  # its own stream: the other loaders' stay as they were
    now = timezone.now()
    Service.objects.filter(verified_on__isnull=False).update(
        verified_by_label="Coordinación local (revisión anual)"
    )
    # Capacity as declared where Puente holds no slots, and one assessment first.
    unslotted = list(ServiceAtSite.objects.filter(capacity=0).order_by("id")[:3])
    declared = [
        (CapacityStatus.WAITLIST, 45),
        (CapacityStatus.NO_CAPACITY, None),
        (CapacityStatus.HAS_CAPACITY, None),
    ]
    for row, (status, wait) in zip(unslotted, declared, strict=False):
        row.declared_capacity_status, row.declared_wait_days = status, wait
        row.save(update_fields=["declared_capacity_status", "declared_wait_days"])
    slotted = ServiceAtSite.objects.filter(capacity__gt=0).order_by("id").first()
    if slotted is not None:
        slotted.declared_capacity_status = CapacityStatus.ASSESSMENT_REQUIRED
        slotted.save(update_fields=["declared_capacity_status"])

    organizations = list(
        Organization.objects.exclude(email="")
        .filter(services__service_at_sites__isnull=False)
        .distinct()
        .order_by("name")[:3]
    )
    if len(organizations) < 3:
        return
    answered, silent, by_link = organizations
    # Corrections sent through the link, waiting for review.
    request = VerificationRequest.objects.create(
        organization=answered,
        token_digest=_digest(seed, "answered"),
        sent_to=answered.email,
        created=now - timedelta(days=6),
        expires_at=now + timedelta(days=15),
        answered_at=now - timedelta(days=2),
        respondent="Encargada de admisión",
    )
    for row in ServiceAtSite.objects.filter(service__organization=answered).select_related(
        "service", "site"
    )[:2]:
        current = listing_current(service_at_site=row)
        proposed = {
            **current,
            "schedule_description": rng.choice(["Lunes a viernes 9:00–14:00", "Sábados 10–13"]),
            "capacity": max(0, int(current["capacity"]) - 5),
        }
        ListingUpdate.objects.create(
            request=request,
            service_at_site=row,
            current=current,
            proposed=proposed,
            submitted_at=now - timedelta(days=2),
            status=ListingUpdateStatus.PENDING,
        )
    # Asked three weeks ago, reminded, then escalated to coordination.
    VerificationRequest.objects.create(
        organization=silent,
        token_digest=_digest(seed, "silent"),
        sent_to=silent.email,
        created=now - timedelta(days=21),
        expires_at=now + timedelta(days=7),
        reminded_at=now - timedelta(days=14),
        escalated_at=now - timedelta(days=7),
    )
    # Confirmed as it stood through its link a few days ago.
    Service.objects.filter(organization=by_link).update(
        verified_on=(now - timedelta(days=3)).date(),
        verified_by_label=f"Director (a) ({by_link.name}, por su enlace de verificación)",
    )
