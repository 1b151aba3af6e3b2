"""Delivery of mail by the Celery worker (each message a task of its own, retried alone)."""

from __future__ import annotations

import logging
import smtplib
import socket

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

logger = logging.getLogger(__name__)


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
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to], reply_to=reply_to or None)
    if html_body:
        message.attach_alternative(html_body, "text/html")
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
