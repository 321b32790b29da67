"""The deadline scan and the outbox through a real Redis broker and real
Celery workers: a worker thread of this process, or a worker process
(``celery -A config worker``) that is killed with SIGKILL half-way through a
scan; and a step taken while Redis is down.

Whatever happens, each reminder, escalation and notification exists once and
each email goes out once, or (when the worker died between sending it and
recording that it went) again under the same Message-ID.

Needs PostgreSQL and Redis: run with
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0``.
Every worker consumes a queue of its own, deleted afterwards, so that these
tests neither take nor leave work on a broker that others share.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from config.celery import app
from tests.factories import UserFactory, hears_every_step
from tests.kits import post_data
from tests.testflows.kit import JobFactory, ReviewFactory
from tests.testflows.models import Job
from tests.workflow_checks import step_url
from workflows.models import Escalation, EscalationRule, Notification, Outbox, Reminder
from workflows.notify.email import message_id
from workflows.selectors import step_recipients
from workflows.tasks import deliver, notify_step, scan_deadlines

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: worker processes share the test database with the test",
    ),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis"),
        reason="needs a Redis broker: set REDIS_URL",
    ),
]

BASE_DIR = Path(settings.BASE_DIR)
NOW = timezone.make_aware(dt.datetime(2026, 11, 26, 10, 0))
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


# --- Broker and workers ---------------------------------------------------------------


@pytest.fixture(autouse=True)
def _not_eager(monkeypatch: pytest.MonkeyPatch) -> None:
    # The browser tests run tasks eagerly for the whole session; not here.
    monkeypatch.setitem(app.conf, "task_always_eager", False)


@pytest.fixture
def queue() -> Iterator[str]:
    """A queue of the test's own on the shared Redis; nothing of it is left after."""
    name = f"test-scan-{uuid.uuid4().hex[:12]}"
    try:
        yield name
    finally:
        broker_forget(name)


def broker_forget(queue: str) -> None:
    """Delete the queue, its bindings, and a message of it that a killed worker
    took and never acknowledged (kombu would hand it back to the queue once
    the visibility timeout, an hour, has passed)."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.queue_delete(queue)
        client = channel.client
        keys = list(client.scan_iter(match=f"*{queue}*"))  # the queue's lists and bindings
        if keys:
            client.delete(*keys)
        for tag, raw in client.hscan_iter(channel.unacked_key):
            try:
                _message, _exchange, routing_key = json.loads(raw)
            except ValueError:
                continue  # not kombu's: none of ours
            if routing_key == queue:
                client.zrem(channel.unacked_index_key, tag)
                client.hdel(channel.unacked_key, tag)


def wait_for(predicate: Callable[[], Any], seconds: float = 60.0, every: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return bool(predicate())


@contextmanager
def worker_thread(queue: str) -> Iterator[dict[str, tuple[str, Any, str]]]:
    """A worker in a thread of this process, on the queue. Yields what it
    finished: task id -> (state, return value, thread name)."""
    finished: dict[str, tuple[str, Any, str]] = {}

    def on_postrun(task_id: str = "", retval: Any = None, state: str = "", **kwargs: Any) -> None:
        # The worker's connection must not outlive the test database
        # (PostgreSQL refuses to drop a database still in use).
        connections.close_all()
        finished[task_id] = (state, retval, threading.current_thread().name)

    task_postrun.connect(on_postrun, weak=False)
    try:
        with start_worker(
            app,
            perform_ping_check=False,
            pool="solo",
            concurrency=1,
            queues=[queue],
            shutdown_timeout=30,
        ):
            yield finished
    finally:
        task_postrun.disconnect(on_postrun)


def run_in(finished: dict[str, tuple[str, Any, str]], queue: str, task: Any, **kwargs: Any) -> Any:
    """Send the task to the worker of ``worker_thread``; its return value."""
    sent = task.apply_async(kwargs=kwargs, queue=queue)
    assert wait_for(lambda: sent.id in finished, every=0.05), f"{task.name} never finished"
    state, retval, thread = finished[sent.id]
    assert state == "SUCCESS", retval
    assert thread != threading.main_thread().name  # run by the worker, not eagerly
    return retval


def database_url() -> str:
    """The URL of the test database (not of the one DATABASE_URL names)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    """``celery -A config worker`` on the test database and the queue, with
    emails written to files in ``mail_dir``."""

    def __init__(self, queue: str, mail_dir: Path, log: Path) -> None:
        self.log = log
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            *(sys.executable, "-m", "celery", "-A", "config", "worker"),
            *("-P", "solo", "-c", "1", "-Q", queue, "-n", f"{queue}@%h", "-l", "INFO"),
            *("--without-mingle", "--without-gossip", "--without-heartbeat"),
            # Extra configuration: what the worker queues itself (``deliver`` when
            # it is ready) goes to this queue too, and it has no control queue.
            "--",
            f"task.default_queue={queue}",
            "worker.enable_remote_control=False",
        ]
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self) -> None:
        # Logged once ``worker_ready`` has run (and queued ``deliver``).
        assert wait_for(lambda: re.search(r"@\S+ ready\.$", self.output(), flags=re.M)), (
            self.output()
        )

    def succeeded(self) -> dict[str, tuple[str, Any]]:
        """Task id -> (task name, return value) of what the worker finished."""
        found = re.findall(
            r"Task workflows\.tasks\.(\w+)\[([0-9a-f-]+)\] succeeded in [\d.]+s: (.*)$",
            self.output(),
            flags=re.M,
        )
        return {tid: (name, ast.literal_eval(value)) for name, tid, value in found}

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """A warm shutdown: the task at hand is finished first."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()


@contextmanager
def broker_unreachable(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Publishing goes to a Redis that is not there: a port bound but never
    listening, so connecting is refused. Celery publishes with the connection
    of ``broker_write_url``; its publishing pools are made afresh for it and
    the app's own pools are put back after."""
    with socket.socket() as closed, monkeypatch.context() as patch:
        closed.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
        patch.setitem(app.conf, "broker_write_url", url)
        patch.setattr(app, "_pool", None)
        patch.setattr(app.amqp, "_producer_pool", None)
        try:
            yield url
        finally:
            app.pool.force_close_all()


# --- Records ---------------------------------------------------------------------------


def due_at(record: Any, when: dt.datetime) -> Any:
    type(record).objects.filter(pk=record.pk).update(step_due_at=when)
    record.refresh_from_db()
    return record


def record_key(record: Any) -> tuple[int, int]:
    return ContentType.objects.get_for_model(record).pk, record.pk


def outbox_all_done() -> None:
    """The records' creation notices are not what these tests are about."""
    Outbox.objects.update(done_at=timezone.now())


def reminder_keys() -> set[tuple[int, int, int, str, int]]:
    return set(
        Reminder.objects.values_list("content_type_id", "object_id", "step_seq", "kind", "repeat")
    )


def emailed_ids(messages: list[Any]) -> list[str]:
    return [m.extra_headers["Message-ID"] for m in messages]


MESSAGE_ID = re.compile(r"^Message-ID: (<[^>\s]+>)\s*$", re.M | re.I)


def message_ids_in(folder: Path) -> list[str]:
    """The Message-ID of every email the file-based backend wrote."""
    if not folder.exists():
        return []
    return [
        found
        for path in sorted(folder.iterdir())
        for found in MESSAGE_ID.findall(path.read_text(errors="replace"))
    ]


# --- a. A scan through a worker --------------------------------------------------------


def test_a_scan_run_by_a_worker_sends_each_reminder_escalation_and_email_once(queue):
    room = UserFactory(roles=["sample_room"])  # starts a planned job
    writer = UserFactory(roles=["creative"])  # summarises a draft review
    manager = UserFactory()
    EscalationRule.objects.create(role="sample_room", manager=manager, after=2 * DAY)
    soon = due_at(JobFactory(state="planned"), NOW + HOUR)
    due = due_at(ReviewFactory(), NOW - HOUR)
    overdue = due_at(JobFactory(state="planned"), NOW - (DAY + HOUR))
    escalated = due_at(JobFactory(state="planned"), NOW - (3 * DAY + HOUR))
    due_at(JobFactory(state="planned"), NOW + 2 * DAY)  # not yet
    due_at(JobFactory(state="accepted"), NOW - 5 * DAY)  # closed
    outbox_all_done()
    reminded = (soon, due, overdue, escalated)
    for record in reminded:
        hears_every_step(record.owner, type(record))
    recipients = {record_key(r): {u.pk for u in step_recipients(r)} for r in reminded}
    for record in reminded:  # those who can act, and the owner; not the manager
        users = recipients[record_key(record)]
        actor = room if isinstance(record, Job) else writer
        assert {actor.pk, record.owner_id} <= users and manager.pk not in users

    with worker_thread(queue) as finished:
        first = run_in(finished, queue, scan_deadlines, now=NOW.isoformat())
        sent = list(mail.outbox)
        second = run_in(finished, queue, scan_deadlines, now=NOW.isoformat())

    notes = Notification.objects.all()
    assert first == {"reminders": 4, "escalations": 1, "emails": notes.count()}
    assert second == {"reminders": 0, "escalations": 0, "emails": 0}
    assert reminder_keys() == {
        (*record_key(soon), soon.step_seq, "soon", 0),
        (*record_key(due), due.step_seq, "due", 0),
        (*record_key(overdue), overdue.step_seq, "overdue", 1),
        (*record_key(escalated), escalated.step_seq, "overdue", 3),
    }
    for reminder in Reminder.objects.all():
        told = notes.filter(key=f"reminder:{reminder.pk}")
        assert (
            set(told.values_list("recipient_id", flat=True))
            == recipients[(reminder.content_type_id, reminder.object_id)]
        )
    (escalation,) = Escalation.objects.all()
    assert (escalation.content_type_id, escalation.object_id) == record_key(escalated)
    assert (escalation.step_seq, escalation.role, escalation.manager_id) == (
        escalated.step_seq,
        "sample_room",
        manager.pk,
    )
    assert list(notes.filter(key__startswith="escalation:").values_list("key", "recipient_id")) == [
        (f"escalation:{escalation.pk}", manager.pk)
    ]
    assert notes.count() == sum(map(len, recipients.values())) + 1
    # Every notification emailed once, to its recipient; nothing waits; nothing more went.
    assert not notes.filter(email_pending=True).exists()
    assert not notes.filter(emailed_at__isnull=True).exists()
    assert len(mail.outbox) == len(sent) == notes.count()
    by_id = {message_id("notification", n.pk): n for n in notes.select_related("recipient")}
    assert sorted(emailed_ids(sent)) == sorted(by_id)
    for message in sent:
        assert message.to == [by_id[message.extra_headers["Message-ID"]].recipient.email]


# --- b. A worker killed half-way through a scan ------------------------------------------

# The scan commits a chunk of 500 records at a time: three chunks, so that a
# worker killed between two commits has left some reminders and not others.
RECORDS = 1200


def emailed_count() -> int:
    return Notification.objects.filter(emailed_at__isnull=False).count()


@pytest.mark.parametrize("phase", ["reminders", "emails"])
def test_a_worker_killed_mid_scan_leaves_each_reminder_and_email_once(phase, queue, tmp_path):
    """SIGKILL while the scan writes reminders, or while it sends their emails;
    then a fresh worker and the next scans (beat sends one every 5 minutes;
    Redis would redeliver the killed one only after its visibility timeout)."""
    room = UserFactory(roles=["sample_room"])
    sales = UserFactory(roles=["sales"])
    records = JobFactory.create_batch(RECORDS, state="planned", requester=sales)
    hears_every_step(sales, Job)
    Job.objects.update(step_due_at=NOW - HOUR)
    outbox_all_done()
    recipients = {u.pk for u in step_recipients(Job.objects.get(pk=records[0].pk))}
    assert {room.pk, sales.pk} <= recipients
    total_notes = RECORDS * len(recipients)
    progress, total = {
        "reminders": (Reminder.objects.count, RECORDS),
        "emails": (emailed_count, total_notes),
    }[phase]
    mail_dir = tmp_path / "mail"
    now = {"now": NOW.isoformat()}
    workers: list[WorkerProcess] = []
    try:
        killed = WorkerProcess(queue, mail_dir, tmp_path / "worker-killed.log")
        workers.append(killed)
        killed.wait_ready()  # its catch-up ``deliver`` is queued first
        scan_deadlines.apply_async(kwargs=now, queue=queue)
        halfway = wait_for(lambda: 0 < progress() < total, seconds=120, every=0.01)
        killed.kill()  # SIGKILL
        assert halfway, killed.output()
        assert killed.process.returncode == -signal.SIGKILL
        reminders_before, emailed_before = Reminder.objects.count(), emailed_count()
        assert 0 < progress() < total, "the worker was killed too late"
        assert [name for name, _ in killed.succeeded().values()] == ["deliver"]

        fresh = WorkerProcess(queue, mail_dir, tmp_path / "worker-fresh.log")
        workers.append(fresh)
        fresh.wait_ready()
        # The next two beats.
        rescans = [scan_deadlines.apply_async(kwargs=now, queue=queue) for _ in range(2)]
        assert wait_for(lambda: rescans[-1].id in fresh.succeeded(), seconds=120), fresh.output()
        fresh.stop()
        assert fresh.process.returncode == 0, fresh.output()
    finally:
        for worker in workers:
            worker.kill()

    # Every due record reminded once; everyone concerned told once per reminder.
    assert reminder_keys() == {(*record_key(r), r.step_seq, "due", 0) for r in records}
    notes = Notification.objects.all()
    assert notes.count() == total_notes
    told: dict[str, set[int]] = {}
    for key, recipient in notes.values_list("key", "recipient_id"):
        told.setdefault(key, set()).add(recipient)
    assert told == {
        f"reminder:{pk}": recipients for pk in Reminder.objects.values_list("pk", flat=True)
    }
    # The fresh worker (its catch-up ``deliver`` when it was ready, then the
    # scans) did exactly what the killed one left.
    runs = fresh.succeeded()
    assert [name for name, _ in runs.values()] == ["deliver", "scan_deadlines", "scan_deadlines"]
    assert runs[rescans[0].id][1]["reminders"] == RECORDS - reminders_before
    assert runs[rescans[1].id][1]["reminders"] == 0
    assert sum(value["emails"] for _, value in runs.values()) == total_notes - emailed_before
    # Every email went; one went twice at most (the one being sent when the
    # worker was killed), under the same Message-ID.
    assert not notes.filter(email_pending=True).exists()
    assert notes.filter(emailed_at__isnull=False).count() == total_notes
    found = message_ids_in(mail_dir)
    known = {message_id("notification", pk) for pk in notes.values_list("pk", flat=True)}
    assert set(found) == known
    assert len(set(found)) == total_notes
    assert len(found) - len(set(found)) <= (1 if phase == "emails" else 0)


# --- c. Redis down while a step is taken -----------------------------------------------


@pytest.mark.usefixtures("live_broker")
def test_a_step_taken_while_redis_is_down_is_delivered_once_when_it_is_back(
    queue, monkeypatch, caplog
):
    clerk = UserFactory(roles=["sales_assistant"])
    room = UserFactory(roles=["sample_room"])
    client = Client()
    client.force_login(clerk)

    with broker_unreachable(monkeypatch) as url:
        record = JobFactory()  # its creation cannot be queued either
        started = time.monotonic()
        response = client.post(
            step_url(record, "schedule"),
            post_data(record, "schedule", seq=record.step_seq),
        )
        elapsed = time.monotonic() - started

    assert response.status_code == 302, response.content[:500]
    assert response.url == record.get_absolute_url()
    hears_every_step(record.requester, Job)
    assert elapsed < 5, f"the request waited {elapsed:.1f} s for a broker at {url}"
    record.refresh_from_db()
    assert record.state == "planned"
    ct = ContentType.objects.get_for_model(record)
    entry = Outbox.objects.get(task=notify_step.name, args=[ct.pk, record.pk, record.step_seq])
    assert entry.done_at is None
    assert Outbox.objects.filter(done_at__isnull=True).count() == 2  # creation and step
    assert not Notification.objects.exists()
    failed = [r for r in caplog.records if r.getMessage().startswith("could not queue")]
    assert len(failed) == 2 and all("deliver_outbox" in r.getMessage() for r in failed)

    with worker_thread(queue) as finished:
        first = run_in(finished, queue, deliver)
        second = run_in(finished, queue, deliver)

    key = f"step:{ct.pk}:{record.pk}:{record.step_seq}"
    expected = {u.pk for u in step_recipients(record)} - {clerk.pk}
    assert {room.pk, record.requester_id} <= expected
    notes = Notification.objects.all()
    # The creation's entry finds the record moved on: only the step is told.
    assert sorted(notes.values_list("key", "recipient_id")) == sorted((key, pk) for pk in expected)
    assert first == {"outbox": 2, "emails": len(expected), "digests": 0}
    assert second == {"outbox": 0, "emails": 0, "digests": 0}
    assert not Outbox.objects.filter(done_at__isnull=True).exists()
    entry.refresh_from_db()
    assert entry.done_at is not None
    assert sorted(emailed_ids(mail.outbox)) == sorted(
        message_id("notification", pk) for pk in notes.values_list("pk", flat=True)
    )
