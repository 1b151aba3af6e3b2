"""Writes of notifications: the inbox row, and the mail each person chose for its kind."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.email import Mail, email_queue_many
from notifications.mail import digest_email_render, notification_email_render
from notifications.models import (
    CHOOSABLE_KINDS,
    Delivery,
    Notification,
    NotificationKind,
    NotificationSettings,
)

# The column's width: a longer text is cut rather than refused, since it is ours.
TEXT_MAX = 300
# People whose digest is written in one transaction (their rows locked together).
DIGEST_BATCH = 500


def _mailable(user: User) -> bool:
    return bool(user.is_active and (user.email or "").strip())


def notification_send(
    *,
    users: Iterable[User],
    text: str,
    kind: NotificationKind | str,
    link: str = "",
    case_code: str = "",
    key: str = "",
) -> int:
    """Put ``text`` in each user's inbox and mail it as each chose for ``kind``.

    Name cases by their code only, never contents (the mail carries the kind, the
    ``case_code`` and the link, never ``text``). With a ``key``, a user already told
    under it is not told again. Returns how many were told.
    """
    kind = NotificationKind(kind)
    people = list({u.pk: u for u in users}.values())
    if key:
        told = set(
            Notification.objects.filter(key=key, user_id__in=[u.pk for u in people]).values_list(
                "user_id", flat=True
            )
        )
        people = [u for u in people if u.pk not in told]
    if not people:
        return 0
    chosen = {
        s.user_id: s
        for s in NotificationSettings.objects.filter(user_id__in=[u.pk for u in people])
    }
    now = timezone.now()
    rows, mails = [], []
    for user in people:
        choice = chosen.get(user.pk) or NotificationSettings(user_id=user.pk)
        delivery = choice.delivery_for(kind) if _mailable(user) else Delivery.NONE
        rows.append(
            Notification(
                user=user,
                kind=kind,
                text=text[:TEXT_MAX],
                link=link,
                case_code=case_code,
                key=key,
                created=now,
                delivery=delivery,
                emailed_at=now if delivery == Delivery.IMMEDIATE else None,
            )
        )
        if delivery == Delivery.IMMEDIATE:
            mails.append((user.email, choice.language))
    Notification.objects.bulk_create(rows)
    rendered: dict[str, tuple[str, str]] = {}  # the same words for everyone of a language
    for language in {language for _address, language in mails}:
        rendered[language] = notification_email_render(
            kind=kind, case_code=case_code, link=link, language=language
        )
    email_queue_many(
        mails=[
            Mail(
                to=address,
                subject=rendered[language][0],
                body=rendered[language][1],
                kind=f"notification:{kind}",
            )
            for address, language in mails
        ]
    )
    return len(rows)


@transaction.atomic
def notification_mark_read(*, user: User, notification_ids: Sequence[int]) -> int:
    return Notification.objects.filter(
        user=user, pk__in=notification_ids, read_at__isnull=True
    ).update(read_at=timezone.now())


# --- a person's choices -----------------------------------------------------------


@transaction.atomic
def notification_settings_update(
    *, user: User, deliveries: Mapping[str, str], language: str
) -> NotificationSettings:
    """Save the user's own choices (each person edits only theirs: the view passes the
    signed-in user). Kinds not given keep their current choice."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    for kind, delivery in deliveries.items():
        if kind not in CHOOSABLE_KINDS:
            raise ValidationError({kind: _("This kind of notice has no choice to make.")})
        if delivery not in Delivery.values:
            raise ValidationError({kind: _("Choose how this kind of notice reaches you.")})
    row, _created = NotificationSettings.objects.select_for_update().get_or_create(user=user)
    row.deliveries = {**row.deliveries, **dict(deliveries)}
    row.language = language
    row.save(update_fields=["deliveries", "language"])
    return row


# --- the daily digest -------------------------------------------------------------


def notification_digest_send(*, now: datetime | None = None) -> int:
    """Mail each person one summary of their digest notices not yet mailed; how many mails.

    Idempotent: what is mailed is marked in the same transaction, so a second run finds
    nothing; two runs at once skip each other's locked rows, so each notice is mailed once.
    """
    now = now or timezone.now()
    waiting = (
        Notification.objects.filter(delivery=Delivery.DIGEST, emailed_at__isnull=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    people = iter(list(waiting))
    sent = 0
    while batch := list(islice(people, DIGEST_BATCH)):
        sent += _digest_send_batch(user_ids=batch, now=now)
    return sent


@transaction.atomic
def _digest_send_batch(*, user_ids: list[int], now: datetime) -> int:
    pending = list(
        Notification.objects.select_for_update(skip_locked=True)
        .filter(user_id__in=user_ids, delivery=Delivery.DIGEST, emailed_at__isnull=True)
        .order_by("user_id", "created", "pk")
    )
    if not pending:
        return 0
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for item in pending:
        by_user[item.user_id].append(item)
    users = User.objects.in_bulk(list(by_user))
    chosen = NotificationSettings.objects.in_bulk(list(by_user))
    mails = []
    for user_id, items in by_user.items():
        user = users.get(user_id)
        # Read in Puente already: nothing left to tell. Inactive or no address: no mail.
        unread = [i for i in items if i.read_at is None]
        if user is None or not _mailable(user) or not unread:
            continue
        choice = chosen.get(user_id) or NotificationSettings(user_id=user_id)
        subject, body = digest_email_render(items=unread, language=choice.language)
        mails.append(Mail(to=user.email, subject=subject, body=body, kind="notification:digest"))
    email_queue_many(mails=mails)
    # Marked whether mailed or passed over: the next digest starts after these.
    Notification.objects.filter(pk__in=[i.pk for i in pending]).update(emailed_at=now)
    NotificationSettings.objects.bulk_create(
        [NotificationSettings(user_id=uid, last_digest_at=now) for uid in by_user],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["last_digest_at"],
    )
    return len(mails)
