"""Notifications in the app: who is told of what, once per key, in the
language each reader chose. Emails leave later (``notify.email``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_fsm_log.models import StateLog

from ..models import Notification, NotificationSettings, WorkflowModel
from ..selectors import step_recipients


def tell(
    users: Any,
    key: str,
    record: WorkflowModel,
    template: str,
    context: dict[str, Any],
    *,
    new_key: bool = False,
) -> int:
    """Notify each of ``users`` in the app once per ``key``, and mark the
    email to go for those who want immediate emails; returns how many were
    told now (those told before under the key are left out).

    The message is rendered once per language (templates speak of the
    record, not the reader; each reader chooses the language in their
    settings), and the rows are written in one statement. The email goes
    after the commit (``notify.email.emails_send``), so that a rolled-back
    notification never sent one.
    """
    users = list(users)
    if not users:
        return 0
    told: set[int] = set()
    if not new_key:  # a key made in this transaction (a reminder's) has told nobody yet
        told = set(
            Notification.objects.filter(key=key, recipient__in=users).values_list(
                "recipient_id", flat=True
            )
        )
    fresh = [u for u in users if u.pk not in told]
    if not fresh:
        return 0  # already told: a retried or duplicated task
    context = {"record": record, "site": settings.SITE_URL, **context}
    texts: dict[str, str] = {}  # one rendering per language
    immediate = NotificationSettings.Email.IMMEDIATE
    ct = ContentType.objects.get_for_model(record)
    notes = []
    for user in fresh:
        language = NotificationSettings.language_of(user)
        if language not in texts:
            with translation.override(language):
                texts[language] = render_to_string(template, context).strip()
        notes.append(
            Notification(
                recipient=user,
                key=key,
                content_type=ct,
                object_id=record.pk,
                message=texts[language].splitlines()[0][:500],
                body=texts[language],
                url=record.get_absolute_url(),
                email_pending=bool(user.email)
                and NotificationSettings.email_mode(user) == immediate,
            )
        )
    Notification.objects.bulk_create(
        notes,
        # Two workers telling the same people at once: the unique key keeps one each.
        ignore_conflicts=True,
    )
    return len(fresh)


def step_entered_tell(content_type_id: int, object_id: int, step_seq: int) -> int:
    """Tell everyone concerned that a record entered a step. Returns how many were told."""
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    record = model.objects.filter(pk=object_id).first()
    if record is None or record.step_seq != step_seq:
        return 0  # the record moved on; the newer step has its own notification
    log = StateLog.objects.for_(record).order_by("-pk").first()
    actor_id = log.by_id if log else None
    users = [u for u in step_recipients(record) if u.pk != actor_id]
    key = f"step:{content_type_id}:{object_id}:{step_seq}"
    return tell(users, key, record, "emails/step_entered.txt", {"log": log})


def mark_read(user: Any, ids: list[int] | None = None) -> int:
    """Mark the user's unread notifications (or those of ``ids``) read."""
    qs = user.notifications.filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
