"""Notifications in the app: who is told of what, once per key, stored as a
message key and its parameters so that each reader reads it in their own
language. Emails leave later (``notify.email``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation
from django_fsm_log.models import StateLog

from ..models import Notification, NotificationSettings, WorkflowModel
from ..selectors import step_recipients
from .bulk import db_value, insert_new


@dataclass(frozen=True)
class Message:
    """What to tell ``users`` about ``record`` under ``key``: the text of
    ``template``, rendered whenever it is read, with ``params`` (values in
    no language, JSON) and what every text says of its record
    (``record_params``)."""

    users: Sequence[Any]
    key: str
    record: WorkflowModel
    template: str
    params: dict[str, Any] = field(default_factory=dict)


# The columns a notification is written with; read_at and emailed_at stay
# empty, and message and body (the text of older rows) too.
NOTIFICATION_FIELDS = (
    "recipient_id",
    "key",
    "content_type_id",
    "object_id",
    "template",
    "params",
    "message",
    "body",
    "url",
    "created_at",
    "email_pending",
)


def record_params(record: WorkflowModel) -> dict[str, Any]:
    """What every notification says of its record, in no language: the
    model, the reference, the state's value, the step's deadline (ISO) and
    the subject, written once for each language when it reads differently
    in them (a choice's label), else once."""
    subjects = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            subjects[code] = str(record.subject or "")
    subject: str | dict[str, str] = subjects
    if len(set(subjects.values())) == 1:
        subject = next(iter(subjects.values()))
    due = record.step_due_at
    return {
        "model": record._meta.label_lower,
        "ref": record.reference,
        "subject": subject,
        "state": record.state,
        "due": due.isoformat() if due else "",
    }


def tell(
    users: Any,
    key: str,
    record: WorkflowModel,
    template: str,
    params: dict[str, Any],
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
    return tell_many([Message(users, key, record, template, params)])


def tell_many(messages: Iterable[Message]) -> int:
    """Write the notifications of ``messages``, whose keys nobody was told
    under yet, in one statement (a scan's chunk: every reminder and
    escalation of it); returns how many.

    Nothing is rendered here: each row holds the message's template and
    parameters (``record_params`` and the message's own, read once a
    record), and is rendered when it is read, in the reader's language of
    the moment (the page and the bell) or of their settings (the email). A
    row whose key a reader already holds is skipped (two workers telling
    the same people at once). The email goes after the commit
    (``notify.email.emails_send``), so that a rolled-back notification
    never sent one.
    """
    messages = [m for m in messages if m.users]
    immediate = NotificationSettings.Email.IMMEDIATE
    pending: dict[int, bool] = {}  # user -> email to send
    for message in messages:
        for user in message.users:
            if user.pk not in pending:
                pending[user.pk] = (
                    bool(user.email) and NotificationSettings.email_mode(user) == immediate
                )
    records: dict[tuple[type, int], tuple[str, dict[str, Any]]] = {}
    for message in messages:
        record = message.record
        if (type(record), record.pk) not in records:
            records[type(record), record.pk] = (record.get_absolute_url(), record_params(record))
    created_at = db_value(Notification, "created_at", timezone.now())
    rows: list[tuple[Any, ...]] = []
    for message in messages:
        record = message.record
        ct_id = ContentType.objects.get_for_model(record).pk
        url, shared = records[type(record), record.pk]
        params = db_value(Notification, "params", {**shared, **message.params})
        for user in message.users:
            rows.append(
                (
                    user.pk,
                    message.key,
                    ct_id,
                    record.pk,
                    message.template,
                    params,
                    "",
                    "",
                    url,
                    created_at,
                    pending[user.pk],
                )
            )
    insert_new(Notification, NOTIFICATION_FIELDS, rows)
    return len(rows)


def step_entered_tell(content_type_id: int, object_id: int, step_seq: int) -> int:
    """Tell everyone concerned that a record entered a step. Returns how many were told."""
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    record = model.objects.select_related(*model.subject_related).filter(pk=object_id).first()
    if record is None or record.step_seq != step_seq:
        return 0  # the record moved on; the newer step has its own notification
    log = StateLog.objects.for_(record).select_related("by").order_by("-pk").first()
    actor_id = log.by_id if log else None
    users = [u for u in step_recipients(record) if u.pk != actor_id]
    key = f"step:{content_type_id}:{object_id}:{step_seq}"
    params = {
        "by": (log.by.get_full_name() or log.by.get_username()) if log and log.by else "",
        "comment": (log.description or "") if log else "",
    }
    return tell(users, key, record, "emails/step_entered.txt", params)


def mark_read(user: Any, ids: list[int] | None = None) -> int:
    """Mark the user's unread notifications (or those of ``ids``) read."""
    qs = user.notifications.filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
