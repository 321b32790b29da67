"""The deadline scan in bulk and alone.

A chunk's reminders, escalations and notifications are written a few
statements at a time whatever their number, and the unique keys still decide
what is sent, even between scans that run at once; the scheduled scan runs
alone: a second one started while another holds the scan's lock ends at
once, and a scan killed with SIGKILL leaves no lock behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from tests.factories import UserFactory
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from tests.workflow_checks import together
from workflows.models import (
    Escalation,
    EscalationRule,
    Notification,
    NotificationPreference,
    NotificationSettings,
    Reminder,
)
from workflows.notify import scan
from workflows.notify.scan import (
    SCAN_LOCK_KEY,
    reminders_scan,
    reminders_scan_alone,
    scan_lock,
)
from workflows.registry import process_models
from workflows.selectors import step_recipients
from workflows.tasks import scan_deadlines

NOW = timezone.make_aware(dt.datetime(2026, 11, 26, 10, 0))
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def overdue_jobs(count: int, requester=None, state: str = "planned") -> list[Job]:
    """``count`` jobs in ``state`` overdue by three days: each calls for a
    reminder (repeat 3) and, with a rule, an escalation of its role."""
    extra = {"requester": requester} if requester else {}
    records = JobFactory.create_batch(count, state=state, **extra)
    Job.objects.filter(pk__in=[r.pk for r in records]).update(step_due_at=NOW - 3 * DAY)
    return list(Job.objects.filter(pk__in=[r.pk for r in records]).order_by("pk"))


def hears_everything(user, model) -> None:
    """``user`` chose to hear of every step of their records of ``model``."""
    NotificationPreference.objects.create(
        user=user, content_type=ContentType.objects.get_for_model(model), level="all"
    )


def notes_by_key() -> dict[str, set[int]]:
    told: dict[str, set[int]] = {}
    for key, recipient in Notification.objects.values_list("key", "recipient_id"):
        told.setdefault(key, set()).add(recipient)
    return told


# --- Few statements a chunk --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 12, 40])
def test_a_chunk_costs_the_same_statements_whatever_it_sends(count, django_assert_num_queries):
    """One chunk of ``count`` records, each a reminder to three people and an
    escalation: the same number of statements for 1 record as for 40."""
    UserFactory(roles=["sample_room"])
    manager = UserFactory()
    EscalationRule.objects.create(role="sample_room", manager=manager)
    sales = UserFactory(roles=["sales"])
    hears_everything(sales, Job)  # the owner is told of the reminders too
    records = overdue_jobs(count, requester=sales)

    # Once a scan: the rules, each process model's candidates and who holds
    # the steps of the state. For the chunk: the
    # reminders and escalations already made (sign-offs only for records in
    # a sign-off state: none here), the records owing something read whole,
    # the transaction (a savepoint and its
    # release here), the owners, and one INSERT each of reminders,
    # escalations and notifications; on PostgreSQL each INSERT is three
    # statements: the temporary table made if missing, a COPY and the
    # INSERT from it.
    inserts = 3 if connection.vendor == "postgresql" else 1
    with django_assert_num_queries((1 + len(process_models()) + 1) + (2 + 1 + 2 + 1 + 3 * inserts)):
        result = reminders_scan(NOW)

    assert (result.reminders, result.escalations) == (count, count)
    assert Reminder.objects.count() == Escalation.objects.count() == count
    recipients = {u.pk for u in step_recipients(records[0])}
    assert len(recipients) == 2  # the workshop and the requester
    told = notes_by_key()
    assert told == {
        **{f"reminder:{pk}": recipients for pk in Reminder.objects.values_list("pk", flat=True)},
        **{
            f"escalation:{pk}": {manager.pk}
            for pk in Escalation.objects.values_list("pk", flat=True)
        },
    }


@pytest.mark.django_db
def test_each_chunk_with_work_costs_the_same_and_one_with_none_reads_only(
    monkeypatch, django_assert_num_queries
):
    """Three chunks to send, then a scan with nothing new: statements a chunk
    times chunks, and no write at all the second time."""
    monkeypatch.setattr(scan, "CHUNK", 10)
    UserFactory(roles=["sample_room"])
    sales = UserFactory(roles=["sales"])
    overdue_jobs(30, requester=sales)
    inserts = 3 if connection.vendor == "postgresql" else 1
    # A chunk: the reminders sent (no rule: no escalation, nothing to read or
    # write for them), the records owing something read whole, the
    # transaction, the INSERTs of reminders and notifications; the owner is
    # read in the first chunk only (the same requester throughout).
    per_chunk = 1 + 1 + 2 + 2 * inserts

    # Once a scan: the rules, each model's candidates and who holds the
    # steps of the state; then three chunks and the owner.
    with django_assert_num_queries((1 + len(process_models()) + 1) + 3 * per_chunk + 1):
        assert reminders_scan(NOW).reminders == 30

    # Nothing new: per chunk the reminders and escalations sent (no rule, no
    # sign-off state: nothing more), no transaction.
    with django_assert_num_queries(1 + len(process_models()) + 3 * 1):
        assert not reminders_scan(NOW)


@pytest.mark.django_db
def test_a_record_whose_step_moved_on_between_the_reads_is_left_to_the_next_scan(monkeypatch):
    """The scan reads the candidates light, then whole those owing something:
    one whose step moved on in between (here its deadline, as a step taken by
    someone else would) is not reminded on the strength of the old read."""
    UserFactory(roles=["sample_room"])
    moved, kept = overdue_jobs(2)
    whole = scan._whole

    def step_taken_meanwhile(model, work):
        Job.objects.filter(pk=moved.pk).update(step_due_at=NOW + 10 * DAY)
        return whole(model, work)

    monkeypatch.setattr(scan, "_whole", step_taken_meanwhile)
    assert reminders_scan(NOW).reminders == 1
    assert set(Reminder.objects.values_list("object_id", flat=True)) == {kept.pk}

    monkeypatch.setattr(scan, "_whole", whole)
    assert not reminders_scan(NOW)  # its new deadline is ten days away: nothing due


@pytest.mark.django_db
def test_a_record_reminded_and_escalated_in_one_chunk_is_told_each_once_in_its_readers_language():
    room = UserFactory(roles=["sample_room"])
    NotificationSettings.objects.create(user=room, language="en")
    manager = UserFactory()
    EscalationRule.objects.create(role="sample_room", manager=manager)
    (record,) = overdue_jobs(1)
    hears_everything(record.requester, Job)

    reminders_scan(NOW)

    (reminder,) = Reminder.objects.all()
    (escalation,) = Escalation.objects.all()
    notes = {(n.key, n.recipient_id): n for n in Notification.objects.all()}
    english = notes[f"reminder:{reminder.pk}", room.pk]
    chinese = notes[f"reminder:{reminder.pk}", record.requester_id]
    due = "2026-11-23 10:00"  # three days before NOW, local time
    name = f"{record.reference} {record.subject}"  # the reference and the subject
    line, text = english.render(NotificationSettings.language_of(room))
    assert line == f"{name}: “Planned” is overdue since {due}"
    line, _text = chinese.render(NotificationSettings.language_of(record.requester))
    assert line == f"{name}：“已排期”自 {due} 起已逾期"
    assert text.endswith(f"{settings.SITE_URL}{record.get_absolute_url()}")
    assert english.url == chinese.url == record.get_absolute_url()
    note = notes[f"escalation:{escalation.pk}", manager.pk]
    assert note.render("zh-hans")[0] == f"逾期上报：{name}“已排期”（样版房）自 {due} 起逾期"
    assert len(notes) == 3


# --- The unique keys still guard (the lock bypassed) -------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency")
@pytest.mark.parametrize("scans", [2, 3])
def test_scans_started_at_the_same_moment_send_each_reminder_and_escalation_once(
    scans, monkeypatch
):
    """``reminders_scan`` without the lock, several at once over chunks of 25:
    each reminder and escalation is written once, by one of them, and its
    people are told once."""
    monkeypatch.setattr(scan, "CHUNK", 25)
    UserFactory(roles=["sample_room"])
    UserFactory(roles=["qa"])
    EscalationRule.objects.create(role="sample_room", manager=UserFactory())
    EscalationRule.objects.create(role="qa", manager=UserFactory())
    sales = UserFactory(roles=["sales"])
    planned = overdue_jobs(60, requester=sales)
    rejected = overdue_jobs(40, requester=sales, state="rejected")  # two roles to sign

    outcomes = together(*[lambda: reminders_scan(NOW)] * scans)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    records = planned + rejected
    assert sum(o.reminders for o in outcomes) == len(records) == Reminder.objects.count()
    expected_escalations = len(planned) + 2 * len(rejected)
    assert sum(o.escalations for o in outcomes) == expected_escalations
    assert Escalation.objects.count() == expected_escalations
    ct = ContentType.objects.get_for_model(Job)
    assert set(Reminder.objects.values_list("content_type_id", "object_id")) == {
        (ct.pk, r.pk) for r in records
    }
    told = notes_by_key()
    reminders = dict(Reminder.objects.values_list("pk", "object_id"))
    by_pk = {r.pk: r for r in records}
    cache: dict = {}  # who holds each state's steps, read once a state
    for pk, object_id in reminders.items():
        expected = {u.pk for u in step_recipients(by_pk[object_id], cache=cache)}
        assert told.pop(f"reminder:{pk}") == expected
    managers = dict(Escalation.objects.values_list("pk", "manager_id"))
    assert told == {f"escalation:{pk}": {manager} for pk, manager in managers.items()}
    keys = list(Notification.objects.values_list("recipient_id", "key"))
    assert len(keys) == len(set(keys))


# --- One scan at a time ------------------------------------------------------------------


@contextmanager
def lock_held_by_another_scan() -> Iterator[None]:
    """The scan's lock, held by another thread until the block ends: on
    PostgreSQL through its own connection, on SQLite through its own open
    file."""
    held, release = threading.Event(), threading.Event()
    got: list[bool] = []

    def hold() -> None:
        try:
            with scan_lock() as holding:
                got.append(holding)
                held.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10) and got == [True]
        yield
    finally:
        release.set()
        holder.join(10)
    assert not holder.is_alive()


def check_a_second_scan_ends_at_once(caplog) -> None:
    UserFactory(roles=["sample_room"])
    overdue_jobs(3)
    caplog.set_level(logging.INFO, logger="workflows.notify.scan")

    with lock_held_by_another_scan():
        started = time.monotonic()
        result = reminders_scan_alone(NOW)
        task = scan_deadlines(now=NOW.isoformat())
        elapsed = time.monotonic() - started

    assert result.skipped and not result
    assert task == {"reminders": 0, "escalations": 0, "emails": 0, "skipped": 1}
    assert elapsed < 5
    assert not Reminder.objects.exists() and not Notification.objects.exists()
    ended = [r for r in caplog.records if "another scan is still running" in r.getMessage()]
    assert len(ended) == 2 and all(r.levelno == logging.INFO for r in ended)

    # The first scan is over: the next one runs.
    after = reminders_scan_alone(NOW)
    assert not after.skipped and after.reminders == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the advisory lock of PostgreSQL")
def test_postgresql_a_second_scan_ends_at_once_while_the_first_holds_the_lock(caplog):
    check_a_second_scan_ends_at_once(caplog)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the lock file of SQLite")
def test_sqlite_a_second_scan_ends_at_once_while_the_first_holds_the_lock(caplog):
    check_a_second_scan_ends_at_once(caplog)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the lock file of SQLite")
def test_sqlite_the_lock_is_a_file_beside_the_database(monkeypatch, tmp_path):
    """A database in a file: its lock file is beside it, whoever opens it."""
    database = tmp_path / "marketing.sqlite3"
    monkeypatch.setitem(connection.settings_dict, "NAME", str(database))
    monkeypatch.setattr(connection, "is_in_memory_db", lambda: False)

    with scan_lock() as first, scan_lock() as second:
        assert (first, second) == (True, False)
        assert (tmp_path / "marketing.sqlite3.scan-lock").exists()
    with scan_lock() as again:
        assert again


@pytest.mark.django_db
def test_a_scan_that_fails_lets_go_of_the_lock(monkeypatch):
    def broken(now=None):
        raise RuntimeError("the scan failed")

    monkeypatch.setattr(scan, "reminders_scan", broken)
    with pytest.raises(RuntimeError):
        reminders_scan_alone(NOW)
    monkeypatch.undo()

    with lock_held_by_another_scan():
        pass  # another could take it: this process holds it no more
    assert not reminders_scan_alone(NOW).skipped


def database_url() -> str:
    """The URL of the test database (not of the one DATABASE_URL names)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


HOLD_THE_LOCK = """
import time, django
django.setup()
from workflows.notify.scan import scan_lock
with scan_lock() as held:
    print("held" if held else "busy", flush=True)
    time.sleep(600)
"""


def advisory_lock_taken() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid = %s AND objid = %s AND objsubid = 1",
            [SCAN_LOCK_KEY >> 32, SCAN_LOCK_KEY & 0xFFFFFFFF],
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the advisory lock of PostgreSQL")
def test_a_scan_killed_with_sigkill_does_not_block_the_next(caplog):
    """Another process holds the lock as a scan does, and is killed with
    SIGKILL: the server lets go of the lock with its connection, and the next
    scan runs."""
    UserFactory(roles=["sample_room"])
    records = overdue_jobs(3)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "held"
        assert advisory_lock_taken()
        assert reminders_scan_alone(NOW).skipped  # the other process's scan runs
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    assert process.returncode == -signal.SIGKILL

    deadline = time.monotonic() + 10
    while advisory_lock_taken() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not advisory_lock_taken()
    result = reminders_scan_alone(NOW)
    assert not result.skipped and result.reminders == len(records)
