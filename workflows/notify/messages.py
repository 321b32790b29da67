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


# A moment to the minute in the site's time zone, as the templates' "Y-m-d H:i".
MINUTE = "%Y-%m-%d %H:%M"

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
    in their settings), with ``record``, ``site`` and what the texts of a
    record share, read once: its ``url``, ``state_label`` and ``due_label``
    (the step's deadline to the minute, local time). A row whose key a
    reader already holds is skipped (two workers telling the same people at
    once). The email goes after the commit (``notify.email.emails_send``),
    so that a rolled-back notification never sent one.
    """
    messages = [m for m in messages if m.users]
    immediate = NotificationSettings.Email.IMMEDIATE
    readers: dict[int, tuple[str, bool]] = {}  # user -> (language, email to send)
    for message in messages:
        for user in message.users:
            if user.pk not in readers:
                readers[user.pk] = (
                    NotificationSettings.language_of(user),
                    bool(user.email) and NotificationSettings.email_mode(user) == immediate,
                )
    # Each message once per language among its readers, all of a language
    # under one activation of it.
    texts: dict[tuple[int, str], tuple[str, str]] = {}  # (message, language) -> (line, text)
    by_language: dict[str, list[int]] = {}
    for i, message in enumerate(messages):
        for language in {readers[user.pk][0] for user in message.users}:
            by_language.setdefault(language, []).append(i)
    # What every text says of its record, read once a record (and the state
    # once a state and language), not once a text: rendering is most of the
    # cost of a scan's chunk.
    records: dict[tuple[type, int], dict[str, Any]] = {}
    for message in messages:
        record = message.record
        if (type(record), record.pk) not in records:
            due = record.step_due_at
            records[type(record), record.pk] = {
                "url": record.get_absolute_url(),
                "due_label": f"{timezone.localtime(due):{MINUTE}}" if due else "",
            }
    templates: dict[str, Any] = {}
    site = settings.SITE_URL
    for language, indexes in by_language.items():
        states: dict[tuple[type, str], str] = {}
        with translation.override(language):
            for i in indexes:
                message = messages[i]
                record = message.record
                if message.template not in templates:
                    templates[message.template] = get_template(message.template)
                state = record.state
                if (type(record), state) not in states:
                    states[type(record), state] = str(record.get_state_display())
                context = {
                    "record": record,
                    "site": site,
                    **records[type(record), record.pk],
                    "state_label": states[type(record), state],
                    **message.context,
                }
                body = templates[message.template].render(context).strip()
                texts[i, language] = (body.splitlines()[0][:500] if body else "", body)
    created_at = db_value(Notification, "created_at", timezone.now())
    rows: list[tuple[Any, ...]] = []
    for i, message in enumerate(messages):
        record = message.record
        ct_id = ContentType.objects.get_for_model(record).pk
        url = records[type(record), record.pk]["url"]
        for user in message.users:
            language, pending = readers[user.pk]
            line, body = texts[i, language]
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
