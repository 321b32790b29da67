"""The deadline scan: reminders before a step is due, when it falls due, and
again at an interval while it stays overdue; and escalation to the role's
manager once a step is overdue past the role's limit.

Each reminder and escalation is recorded under a unique key (record, visit
of the step, kind and repeat, or role), in the same transaction as its
notifications, so two scans at once, a retried task or a second beat never
send one twice, and a scan killed half-way is finished by the next one. The
scan writes a chunk of records at a time, each kind of row in one statement.

The scheduled scan (``reminders_scan_alone``) also runs alone: a second one
started while the first is still at work ends at once (``scan_lock``), so
that slow scans never queue up behind each other.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import logging
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from ..models import Escalation, EscalationRule, Reminder, SignOff, WorkflowModel
from ..registry import process_models
from ..selectors import escalation_rules, escalations_due, owners_prefetch, step_recipients
from .bulk import db_value, insert_new
from .messages import Message, tell_many

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


@dataclass
class Work:
    """What one record of a chunk calls for: a reminder (kind and repeat)
    and the escalations its step is owed."""

    record: WorkflowModel
    reminder: tuple[str, int] | None = None
    escalations: list[EscalationRule] = field(default_factory=list)


REMINDER_FIELDS = ("content_type_id", "object_id", "step_seq", "kind", "repeat", "sent_at")
ESCALATION_FIELDS = (
    "content_type_id",
    "object_id",
    "step_seq",
    "role",
    "manager_id",
    "due_at",
    "escalated_at",
)


def work_send(
    ct: ContentType, work: list[Work], now: dt.datetime, cache: Any = None
) -> tuple[int, int]:
    """Record the reminders and escalations of ``work`` (records of one
    model) and tell those concerned: one INSERT for the reminders, one for
    the escalations and one for all their notifications, whatever their
    number. Returns how many reminders and escalations were sent now.

    Run it in a transaction: the unique keys of reminders and escalations
    decide what is new (``insert_new``: one another scan wrote is skipped,
    and on PostgreSQL one it is writing waits for its commit), and only
    what this call wrote is told, under a key made from the new row, in
    the same transaction. A scan killed before the commit has sent nothing.
    """
    cache = {} if cache is None else cache
    records = {w.record.pk: w.record for w in work}
    # Rows in the order of their keys, so that two scans writing at once
    # wait for each other in one order and never deadlock.
    sent_at = timezone.now()
    reminder_rows = sorted(
        (ct.pk, w.record.pk, w.record.step_seq, *w.reminder) for w in work if w.reminder
    )
    sent_at_db = db_value(Reminder, "sent_at", sent_at)
    new_reminders = insert_new(
        Reminder,
        REMINDER_FIELDS,
        [(*row, sent_at_db) for row in reminder_rows],
        returning=("id", "object_id", "step_seq", "kind", "repeat"),
    )
    escalated_at = db_value(Escalation, "escalated_at", now)
    rules = {}
    escalation_rows = []
    for w in work:
        for rule in w.escalations:
            rules[w.record.pk, rule.role] = rule
            escalation_rows.append((ct.pk, w.record.pk, w.record.step_seq, rule.role))
    escalation_rows.sort()
    new_escalations = insert_new(
        Escalation,
        ESCALATION_FIELDS,
        [
            (
                *row,
                rules[row[1], row[3]].manager_id,
                db_value(Escalation, "due_at", records[row[1]].step_due_at),
                escalated_at,
            )
            for row in escalation_rows
        ],
        returning=("id", "object_id", "step_seq", "role"),
    )
    owners_prefetch((records[row[1]] for row in new_reminders), cache)
    messages = []
    for pk, object_id, _step_seq, kind, _repeat in new_reminders:
        record = records[object_id]
        users = step_recipients(record, cache=cache)
        messages.append(
            Message(users, f"reminder:{pk}", record, "emails/reminder.txt", {"kind": kind})
        )
    for pk, object_id, _step_seq, role in new_escalations:
        record, rule = records[object_id], rules[object_id, role]
        messages.append(
            Message(
                [rule.manager], f"escalation:{pk}", record, "emails/escalation.txt", {"role": role}
            )
        )
    tell_many(messages)
    return len(new_reminders), len(new_escalations)


def reminder_send(record: WorkflowModel, kind: str, repeat: int, cache: Any = None) -> bool:
    """Record the reminder and tell those who can act, in one transaction:
    False if it was sent before."""
    ct = ContentType.objects.get_for_model(record)
    with transaction.atomic():
        sent, _escalated = work_send(ct, [Work(record, (kind, repeat))], timezone.now(), cache)
    return sent == 1


def escalation_send(record: WorkflowModel, rule: EscalationRule, now: dt.datetime) -> bool:
    """Escalate the step to the rule's manager and tell them, in one
    transaction; False if it was escalated before (the unique key decides
    when two scans meet)."""
    ct = ContentType.objects.get_for_model(record)
    with transaction.atomic():
        _sent, escalated = work_send(ct, [Work(record, escalations=[rule])], now)
    return escalated == 1


@dataclass
class ScanResult:
    reminders: int = 0
    escalations: int = 0
    skipped: bool = False  # another scan was running: this one did nothing

    def __bool__(self) -> bool:
        return bool(self.reminders or self.escalations)


def _chunks(iterable: Any, size: int) -> Any:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


# What a candidate is read with: enough to tell its reminder and escalations.
CANDIDATE_FIELDS = ("pk", "state", "step_seq", "step_due_at")


def _whole(model: type[WorkflowModel], work: list[Work]) -> list[Work]:
    """``work`` with each light candidate replaced by the whole record, read
    with what its messages name. A record whose step moved on since it was
    read is left to the next scan, which reads it as it is then."""
    records = model.objects.select_related(*model.subject_related).in_bulk(
        [w.record.pk for w in work]
    )
    whole = []
    for w in work:
        record = records.get(w.record.pk)
        if record is None or any(
            getattr(record, f) != getattr(w.record, f) for f in CANDIDATE_FIELDS[1:]
        ):
            continue
        w.record = record
        whole.append(w)
    return whole


def reminders_scan(now: dt.datetime | None = None) -> ScanResult:
    """Send every reminder and escalation that is due at ``now``."""
    now = now or timezone.now()
    rules = escalation_rules()
    result = ScanResult()
    for model in process_models():
        ct = ContentType.objects.get_for_model(model)
        cache: dict[Any, Any] = {}  # who holds which step's right, for this scan
        # The candidates are read with the few fields that say what is due;
        # the records that turn out to owe something are read again whole
        # (with what their messages name), so the steady state, which owes
        # nothing, builds light objects only.
        candidates = (
            model.objects.open()
            .filter(step_due_at__isnull=False, step_due_at__lte=now + model.remind_before)
            .only(*CANDIDATE_FIELDS)
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
                    work.append(Work(record, wanted, owed))
            if not work:
                continue  # the steady state: nothing new in this chunk
            work = _whole(model, work)
            # One transaction a chunk: a scan killed mid-chunk loses the
            # chunk's work whole, and the next scan does it again, once.
            with transaction.atomic():
                reminders, escalations = work_send(ct, work, now, cache)
            result.reminders += reminders
            result.escalations += escalations
    if result:
        logger.info(
            "deadline scan: %s reminders, %s escalations", result.reminders, result.escalations
        )
    return result


# --- One scan at a time ------------------------------------------------------------------

# The key of the scan's advisory lock on PostgreSQL (advisory locks are per
# database, so test databases and other sites on one server do not meet).
SCAN_LOCK_KEY = 0x5CA9_D1E5


@contextmanager
def scan_lock() -> Iterator[bool]:
    """Hold the deadline scan's lock for the block if no other process holds
    it: yields True if this block holds it, False if another scan does.

    The lock belongs to the process, not to a row or a timer, so a worker
    killed with SIGKILL cannot leave it stuck. On PostgreSQL it is a session
    advisory lock, released by the server when the dead worker's connection
    drops (and by this block's end otherwise). On SQLite, whose database is a
    file on this machine, it is an ``flock`` on a file beside the database,
    released by the kernel when the process holding it ends.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [SCAN_LOCK_KEY])
            held = bool(cursor.fetchone()[0])
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [SCAN_LOCK_KEY])
        return
    with _lock_file().open("a") as file:
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)


def _lock_file() -> Path:
    """The file the scan locks on SQLite: beside the database file, or, for a
    database in memory (tests), one of this process in the temporary folder."""
    name = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db():
        digest = hashlib.sha256(name.encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"workflows-scan-{os.getpid()}-{digest}.lock"
    return Path(f"{name}.scan-lock")


def reminders_scan_alone(now: dt.datetime | None = None) -> ScanResult:
    """The scheduled scan: ``reminders_scan`` unless another scan is still at
    work, in which case this one ends at once (logged; the running scan
    sends what is due, and the next one what falls due after it)."""
    with scan_lock() as held:
        if not held:
            logger.info("deadline scan: another scan is still running; this one ends")
            return ScanResult(skipped=True)
        return reminders_scan(now)
