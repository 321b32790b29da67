"""Notifications in the app: who is told of what, once per key, in the
language each reader chose. Emails leave later (``notify.email``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.template.loader import get_template
from django.utils import timezone, translation
from django_fsm_log.models import StateLog

from ..models import Notification, NotificationSettings, WorkflowModel
from ..selectors import step_recipients
from .bulk import db_value, insert_new


@dataclass(frozen=True)
class Message:
    """What to tell ``users`` about ``record`` under ``key``: the text of
    ``template`` with ``context`` (and the record and the site's address)."""

    users: Sequence[Any]
    key: str
    record: WorkflowModel
    template: str
    context: dict[str, Any] = field(default_factory=dict)


# The columns a notification is written with; read_at and emailed_at stay empty.
NOTIFICATION_FIELDS = (
    "recipient_id",
    "key",
    "content_type_id",
    "object_id",
    "message",
    "body",
    "url",
    "created_at",
    "email_pending",
)


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

    ``new_key`` says the key was made in this transaction (from a row that
    was just written), so nobody was told under it yet.
    """
    users = list(users)
    if not users:
        return 0
    if not new_key:
        told = set(
            Notification.objects.filter(key=key, recipient__in=users).values_list(
                "recipient_id", flat=True
            )
        )
        users = [u for u in users if u.pk not in told]
        if not users:
            return 0  # already told: a retried or duplicated task
    return tell_many([Message(users, key, record, template, context)])


def tell_many(messages: Iterable[Message]) -> int:
    """Write the notifications of ``messages``, whose keys nobody was told
    under yet, in one statement (a scan's chunk: every reminder and
    escalation of it); returns how many.

    Each message is rendered once per language among its readers (templates
    speak of the record, not the reader; each reader chooses the language
    in their settings). A row whose key a reader already holds is skipped
    (two workers telling the same people at once). The email goes after the
    commit (``notify.email.emails_send``), so that a rolled-back
    notification never sent one.
    """
    immediate = NotificationSettings.Email.IMMEDIATE
    created_at = db_value(Notification, "created_at", timezone.now())
    templates: dict[str, Any] = {}
    rows: list[tuple[Any, ...]] = []
    for message in messages:
        if not message.users:
            continue
        record = message.record
        ct_id = ContentType.objects.get_for_model(record).pk
        url = record.get_absolute_url()
        context = {"record": record, "site": settings.SITE_URL, **message.context}
        texts: dict[str, tuple[str, str]] = {}  # language -> (first line, text)
        for user in message.users:
            language = NotificationSettings.language_of(user)
            if language not in texts:
                if message.template not in templates:
                    templates[message.template] = get_template(message.template)
                with translation.override(language):
                    body = templates[message.template].render(context).strip()
                texts[language] = (body.splitlines()[0][:500] if body else "", body)
            line, body = texts[language]
            pending = bool(user.email) and NotificationSettings.email_mode(user) == immediate
            rows.append(
                (user.pk, message.key, ct_id, record.pk, line, body, url, created_at, pending)
            )
    insert_new(Notification, NOTIFICATION_FIELDS, rows)
    return len(rows)


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
