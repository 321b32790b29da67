"""Reminders of step deadlines: before a step is due, when it falls due, and
again at an interval while it stays overdue. Each is recorded under a unique
key (record, visit of the step, kind, repeat), so two scans at once, a retried
task or a second beat never send one twice."""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Reminder, WorkflowModel
from .registry import process_models

logger = logging.getLogger(__name__)


def reminder_due(record: WorkflowModel, now: dt.datetime) -> tuple[str, int] | None:
    """The reminder the record's current step calls for at ``now``, if any."""
    due = record.step_due_at
    if due is None or record.is_final:
        return None
    if now < due - record.remind_before:
        return None
    if now < due:
        return Reminder.Kind.SOON, 0
    repeats = int((now - due) / record.remind_every)
    if repeats == 0:
        return Reminder.Kind.DUE, 0
    return Reminder.Kind.OVERDUE, repeats


def reminder_send(record: WorkflowModel, kind: str, repeat: int) -> bool:
    """Record the reminder and tell those who can act, in one transaction:
    False if it was sent before."""
    from .tasks import step_recipients, tell

    ct = ContentType.objects.get_for_model(record)
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                content_type=ct,
                object_id=record.pk,
                step_seq=record.step_seq,
                kind=kind,
                repeat=repeat,
            )
            key = f"reminder:{reminder.pk}"
            for user in step_recipients(record):
                tell(user, key, record, "emails/reminder.txt", {"reminder": reminder})
    except IntegrityError:
        return False
    return True


def reminders_scan(now: dt.datetime | None = None) -> int:
    """Send every reminder that is due; returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for model in process_models():
        horizon = now + model.remind_before
        candidates = (
            model.objects.open()
            .filter(step_due_at__isnull=False, step_due_at__lte=horizon)
            .order_by("step_due_at", "pk")
        )
        for record in candidates.iterator(chunk_size=500):
            wanted = reminder_due(record, now)
            if wanted is not None and reminder_send(record, *wanted):
                sent += 1
    if sent:
        logger.info("deadline scan: %s reminders", sent)
    return sent
