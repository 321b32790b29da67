"""The deadline scan: reminders before a step is due, when it falls due, and
again at an interval while it stays overdue; and escalation to the role's
manager once a step is overdue past the role's limit.

Each reminder and escalation is recorded under a unique key (record, visit
of the step, kind and repeat, or role), in the same transaction as its
notifications, so two scans at once, a retried task or a second beat never
send one twice, and a scan killed half-way is finished by the next one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Escalation, EscalationRule, Reminder, SignOff, WorkflowModel
from ..registry import process_models
from ..selectors import escalation_rules, escalations_due, step_recipients
from .messages import tell

logger = logging.getLogger(__name__)

CHUNK = 500


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


def reminder_send(record: WorkflowModel, kind: str, repeat: int, cache: Any = None) -> bool:
    """Record the reminder and tell those who can act, in one transaction:
    False if it was sent before."""
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
            users = step_recipients(record, cache=cache)
            tell(users, key, record, "emails/reminder.txt", {"reminder": reminder}, new_key=True)
    except IntegrityError:
        return False
    return True


def escalation_send(record: WorkflowModel, rule: EscalationRule, now: dt.datetime) -> bool:
    """Escalate the step to the rule's manager and tell them, in one
    transaction; False if it was escalated before (the unique key decides
    when two scans meet)."""
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                content_type=ContentType.objects.get_for_model(record),
                object_id=record.pk,
                step_seq=record.step_seq,
                role=rule.role,
                manager=rule.manager,
                due_at=record.step_due_at,
                escalated_at=now,
            )
            tell(
                [rule.manager],
                f"escalation:{escalation.pk}",
                record,
                "emails/escalation.txt",
                {"escalation": escalation},
                new_key=True,
            )
    except IntegrityError:
        return False
    return True


@dataclass
class ScanResult:
    reminders: int = 0
    escalations: int = 0

    def __bool__(self) -> bool:
        return bool(self.reminders or self.escalations)


def _chunks(iterable: Any, size: int) -> Any:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def reminders_scan(now: dt.datetime | None = None) -> ScanResult:
    """Send every reminder and escalation that is due at ``now``."""
    now = now or timezone.now()
    rules = escalation_rules()
    result = ScanResult()
    for model in process_models():
        ct = ContentType.objects.get_for_model(model)
        cache: dict[Any, Any] = {}  # who holds which step's right, for this scan
        candidates = (
            model.objects.open()
            .filter(step_due_at__isnull=False, step_due_at__lte=now + model.remind_before)
            .select_related(*model.subject_related)
            .order_by("step_due_at", "pk")
        )
        for chunk in _chunks(candidates.iterator(chunk_size=CHUNK), CHUNK):
            ids = [record.pk for record in chunk]
            sent = set(
                Reminder.objects.filter(content_type=ct, object_id__in=ids).values_list(
                    "object_id", "step_seq", "kind", "repeat"
                )
            )
            escalated: set[tuple[int, int, str]] = set()
            signed: dict[tuple[int, int], dict[str, dt.datetime]] = defaultdict(dict)
            if rules:
                escalated = set(
                    Escalation.objects.filter(content_type=ct, object_id__in=ids).values_list(
                        "object_id", "step_seq", "role"
                    )
                )
                signing = [r.pk for r in chunk if r.state in model.sign_off_steps]
                for pk, seq, role, at in SignOff.objects.filter(
                    content_type=ct, object_id__in=signing
                ).values_list("object_id", "step_seq", "role", "signed_at"):
                    signed[pk, seq][role] = at
            work = []
            for record in chunk:
                wanted = reminder_due(record, now)
                if wanted is not None and (record.pk, record.step_seq, *wanted) in sent:
                    wanted = None
                owed = []
                if rules:
                    owed = escalations_due(
                        record, now, rules, escalated, signed[record.pk, record.step_seq]
                    )
                if wanted or owed:
                    work.append((record, wanted, owed))
            if not work:
                continue  # the steady state: nothing new in this chunk
            # One commit a chunk, each reminder in a savepoint of its own: a
            # scan killed mid-chunk loses the chunk's work whole, and the next
            # scan does it again, once.
            with transaction.atomic():
                for record, wanted, owed in work:
                    if wanted and reminder_send(record, *wanted, cache=cache):
                        result.reminders += 1
                    for rule in owed:
                        result.escalations += escalation_send(record, rule, now)
    if result:
        logger.info(
            "deadline scan: %s reminders, %s escalations", result.reminders, result.escalations
        )
    return result
