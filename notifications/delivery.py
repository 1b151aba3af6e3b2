"""Delivery of mail by the Celery worker: one message per task, retried alone, or the
messages of one commit over one SMTP connection."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import socket
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

logger = logging.getLogger(__name__)


def _message(
    *,
    to: str,
    subject: str,
    body: str,
    html_body: str = "",
    reply_to: list[str] | None = None,
    kind: str = "",
    connection: Any = None,
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject, body=body, to=[to], reply_to=reply_to or None, connection=connection
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    return message


@shared_task(
    # Its name from before it moved here: messages already queued still find it.
    name="notifications.tasks.email_deliver_task",
    bind=True,
    # Only what a later attempt can cure: the server away, slow or refusing for now
    # (4xx). A 5xx refusal of the recipient will not change by trying again.
    autoretry_for=(
        ConnectionError,
        socket.timeout,
        smtplib.SMTPServerDisconnected,
        smtplib.SMTPConnectError,
    ),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=settings.EMAIL_MAX_RETRIES,
)
def email_deliver_task(
    self: Task,
    *,
    to: str,
    subject: str,
    body: str,
    html_body: str = "",
    reply_to: list[str] | None = None,
    kind: str = "",
) -> int:
    message = _message(to=to, subject=subject, body=body, html_body=html_body, reply_to=reply_to)
    try:
        sent = message.send()
    except smtplib.SMTPResponseException as error:
        if 400 <= error.smtp_code < 500:
            raise self.retry(exc=error) from error
        # Permanent: logged by kind and code only (an address is personal data).
        logger.warning("mail of kind %r refused permanently (%s)", kind, error.smtp_code)
        return 0
    logger.info("mail of kind %r sent", kind)
    return sent


@shared_task(
    name="notifications.tasks.email_deliver_batch_task",
    # Raised only while opening the connection, before any message went: all again later.
    autoretry_for=(
        ConnectionError,
        socket.timeout,
        smtplib.SMTPServerDisconnected,
        smtplib.SMTPConnectError,
    ),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=settings.EMAIL_MAX_RETRIES,
)
def email_deliver_batch_task(*, messages: list[dict[str, Any]]) -> int:
    """The messages of one commit over one SMTP connection (a notice to a whole team):
    one handshake instead of one per message.

    A message the server defers, or that a dropped connection leaves unsent, goes on
    alone as ``email_deliver_task`` with its own retries; one refused for good is given
    up. A message the server accepted is never sent again.
    """
    connection = get_connection()
    connection.open()
    sent = 0
    try:
        for index, message in enumerate(messages):
            try:
                sent += connection.send_messages([_message(connection=connection, **message)])
            except smtplib.SMTPResponseException as error:
                if 400 <= error.smtp_code < 500:
                    email_deliver_task.apply_async(kwargs=message, countdown=30)
                else:
                    logger.warning(
                        "mail of kind %r refused permanently (%s)",
                        message.get("kind", ""),
                        error.smtp_code,
                    )
            except (TimeoutError, smtplib.SMTPServerDisconnected, ConnectionError):
                for rest in messages[index:]:
                    email_deliver_task.apply_async(kwargs=rest, countdown=30)
                break
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    logger.info("%s of %s mails of a batch sent", sent, len(messages))
    return sent
