from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Local coordinator")
    CASEWORKER = "caseworker", _("Caseworker")
    # Sees the caseload of their organization's team and approves what needs four eyes
    # (a transfer out, the closure of a case with no authority on its team).
    SUPERVISOR = "supervisor", _("Supervisor")
    PROVIDER = "provider", _("Provider staff")
    PLANNER = "planner", _("Planner")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles that work in the admin site; caseworkers and planners read the map pages.
STAFF_ROLES = frozenset({Role.COORDINATOR, Role.PROVIDER, Role.ADMINISTRATOR})


class User(AbstractUser):
    """A person who signs in. What they may do comes from their memberships."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Membership(models.Model):
    """A user works for an organization in a role; one user may hold several."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organization"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class TwoFactorRequirement(models.Model):
    """A role whose members must sign in with a second factor (TOTP).

    Administrators list here the roles that see case data; members without a device
    are sent to enrol one before they reach any page.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, unique=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("two-factor requirement")
        verbose_name_plural = _("two-factor requirements")

    def __str__(self) -> str:
        return str(self.get_role_display())


class ApiToken(models.Model):
    """A key for the API that acts as its user, with exactly the user's permissions.

    Only a SHA-256 digest of the key is stored: the key is shown once, at creation.
    Keys are 256 random bits, so a fast digest is enough (no password stretching).
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked is None
