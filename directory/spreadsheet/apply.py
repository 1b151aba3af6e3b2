"""Writing a checked plan (``spreadsheet_apply``), all or nothing."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from directory.models import Service, Site
from directory.spreadsheet.plan import SpreadsheetPlan


@transaction.atomic
def spreadsheet_apply(*, actor: User, plan: SpreadsheetPlan) -> dict[str, int]:
    """Write a checked plan, all or nothing, through the same services as the admin."""
    from directory.services import (
        eligibility_update,
        service_at_site_set_capacity,
        service_create,
        service_update,
        site_create,
        site_update,
    )

    if not plan.ok:
        raise ValidationError(_("The spreadsheet has refused rows; nothing was written."))
    services: dict[str, Service] = {}
    sites: dict[str, Site] = {}
    for row in plan.rows:
        data = row.data
        fields = data["service_fields"]
        service = services.get(data["service_key"])
        if service is None:
            if data["service"] is None:
                service = service_create(
                    actor=actor,
                    organization=data["organization"],
                    categories=data["categories"],
                    **fields,
                )
            else:
                service = service_update(
                    actor=actor, service=data["service"], categories=data["categories"], **fields
                )
            eligibility_update(
                actor=actor,
                service=service,
                service_area=data["service_area"],
                **data["eligibility"],
            )
            services[data["service_key"]] = service
        site = sites.get(data["site_key"])
        if site is None:
            site_fields = {k: v for k, v in data["site_fields"].items() if k != "territory"}
            if data["site"] is None:
                site = site_create(actor=actor, organization=data["organization"], **site_fields)
            else:
                site = site_update(actor=actor, site=data["site"], **site_fields)
            sites[data["site_key"]] = site
        service_at_site_set_capacity(
            actor=actor, service=service, site=site, capacity=data["capacity"]
        )
    return {"services": len(services), "sites": len(sites), "rows": len(plan.rows)}
