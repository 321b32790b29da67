"""Email: a notification's email after the notification is committed, and
the daily digest of what is due and overdue for those who chose it.

An email is sent with the row that calls for it locked, and marked sent in
the same transaction, so two workers never send it both. A worker killed
between the send and the commit sends it again later: the Message-ID is the
same both times (it is made from the notification), so mail systems show
one message. Delivery runs take the waiting rows in batches that other runs
skip (``FOR UPDATE SKIP LOCKED``), so that workers share a backlog.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import Digest, Notification, NotificationSettings, render_text
from ..selectors import DigestContent, digest_content

logger = logging.getLogger(__name__)


def message_id(kind: str, pk: int) -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]  # "Name <a@b>" or "a@b"
    domain = address.rpartition("@")[2] or "localhost"
    return f"<{kind}-{pk}@{domain}>"


# Notifications a delivery run takes at a time.
BATCH = 100


def emails_send(limit: int | None = None) -> int:
    """Send the emails of committed notifications still waiting, a batch at a
    time, all of them or ``limit``; how many went. Workers running at once
    share the backlog: each batch is rows no other run holds. A mail server
    that fails stops the run: what is left waits for the next one."""
    sent = taken = 0
    while limit is None or taken < limit:
        size = BATCH if limit is None else min(BATCH, limit - taken)
        got, went, ok = _batch_send(size)
        taken += got
        sent += went
        if not ok or got < size:
            break  # the mail server failed, or what waits is taken: by this run or another
    return sent


def _waiting() -> Any:
    """Notifications whose email waits, locked for this transaction, less
    those another run holds (on PostgreSQL; SQLite's transactions take the
    whole database). The partial index ``notification_email_pending`` holds
    exactly these rows, in this order."""
    return (
        Notification.objects.filter(email_pending=True)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("pk")
    )


def _batch_send(size: int) -> tuple[int, int, bool]:
    """Take up to ``size`` waiting notifications no other run holds and send
    their emails: (taken, emailed, the mail server took them all).

    Each email goes in a transaction of its own that marks it sent, so a
    worker killed half-way sends at most that one again (under the same
    Message-ID). Each of these transactions locks again the batch's rows
    still waiting, so that other runs keep passing them by; one another run
    took meanwhile is left to it.
    """
    notes: dict[int, Notification] = {}
    left: list[int] | None = None
    sent = 0
    mailer = None  # one connection to the mail server for the batch
    note = None
    try:
        while left is None or left:
            with transaction.atomic():
                if left is None:
                    notes = {
                        n.pk: n
                        for n in _waiting().select_related(
                            "recipient", "recipient__notification_settings"
                        )[:size]
                    }
                    left = list(notes)
                else:
                    left = list(_waiting().filter(pk__in=left).values_list("pk", flat=True))
                if not left:
                    break
                note = notes[left.pop(0)]
                emailed_at = None
                if note.recipient.email:
                    if mailer is None:
                        mailer = get_connection()
                        mailer.open()
                    # In the language the reader chose for notifications.
                    line, text = note.render(NotificationSettings.language_of(note.recipient))
                    EmailMessage(
                        subject=line,
                        body=text,
                        to=[note.recipient.email],
                        headers={"Message-ID": message_id("notification", note.pk)},
                        connection=mailer,
                    ).send()
                    emailed_at = timezone.now()
                Notification.objects.filter(pk=note.pk).update(
                    email_pending=False, emailed_at=emailed_at
                )
                sent += emailed_at is not None
        return len(notes), sent, True
    except Exception:  # the mail server's errors; the email waits for the next run
        logger.exception("could not email notification %s", note.pk if note else "")
        return len(notes), sent, False
    finally:
        if mailer is not None:
            mailer.close()


def digests_send(now: dt.datetime | None = None) -> int:
    """One digest today for each user who chose it and has something due."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            notification_settings__email=NotificationSettings.Email.DIGEST,
        )
        .exclude(email="")
    )
    sent = 0
    for user in users.order_by("pk"):
        content = digest_content(user, now)
        if not content.count:
            continue
        try:
            with transaction.atomic():
                Digest.objects.create(user=user, day=day, items=content.count)
        except IntegrityError:
            pass  # made by an earlier run: sent unless that run died before sending
        sent += _digest_send(user, day, now, content)
    return sent


def digests_retry(now: dt.datetime | None = None) -> int:
    """Send today's digests that a run began but could not send (the mail
    server was away, or the worker died): part of every delivery run."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    sent = 0
    for digest in Digest.objects.filter(day=day, sent_at__isnull=True).select_related("user"):
        content = digest_content(digest.user, now)
        if content.count:
            sent += _digest_send(digest.user, day, now, content)
    return sent


def _digest_send(user: Any, day: dt.date, now: dt.datetime, content: DigestContent) -> bool:
    """Send the day's digest unless it went or another worker holds it; a
    mail server error is logged and leaves it for ``digests_retry``."""
    with transaction.atomic():
        digest = (
            Digest.objects.select_for_update(skip_locked=True)
            .filter(user=user, day=day, sent_at__isnull=True)
            .first()
        )
        if digest is None or not user.email:
            return False
        with translation.override(NotificationSettings.language_of(user)):
            context = {"user": user, "content": content, "day": day, "site": settings.SITE_URL}
            body = render_text("emails/digest.txt", context).strip()
            subject = _("Your work due on %(day)s: %(count)s item(s)") % {
                "day": f"{day:%Y-%m-%d}",
                "count": content.count,
            }
        try:
            EmailMessage(
                subject=subject,
                body=body,
                to=[user.email],
                headers={"Message-ID": message_id("digest", digest.pk)},
            ).send()
        except Exception:  # the mail server's errors
            logger.exception("could not send the digest of %s", user)
            return False
        Digest.objects.filter(pk=digest.pk).update(sent_at=now, items=content.count)
        return True
