"""A real Celery worker, in this process, on the configured broker (Redis when
REDIS_URL is set, else kombu's filesystem transport), runs the notification
a transition queues when its transaction commits: the transition writes an
outbox entry, and its commit queues ``deliver_outbox`` for that entry.

The task is routed to a queue of its own for this test, so that a worker of
a running development server on the same broker cannot take it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections

from config.celery import app
from tests.factories import UserFactory, hears_every_step
from tests.kits import step_data
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from workflows.models import Notification, Outbox
from workflows.selectors import step_recipients
from workflows.services import transition_perform
from workflows.tasks import deliver_outbox, notify_step

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(live_broker: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    queue = f"test-notify-{uuid.uuid4().hex[:12]}"
    # What a commit queues is the delivery of its outbox entry (which runs notify_step).
    task = app.tasks[deliver_outbox.name]
    monkeypatch.setattr(task, "queue", queue, raising=False)
    # Celery caches a task's options at its first apply_async (the browser
    # tests may have queued it already, eagerly): make it read the queue again.
    monkeypatch.setattr(task, "_exec_options", None, raising=False)
    # The browser tests run tasks eagerly for the whole session; not here.
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    ran_in: list[str] = []
    finished: list[int] = []  # the outbox entries whose delivery the worker finished

    def note_thread(sender: Any = None, **kwargs: Any) -> None:
        if getattr(sender, "name", None) == deliver_outbox.name:
            ran_in.append(threading.current_thread().name)

    def note_finished(sender: Any = None, args: Any = (), **kwargs: Any) -> None:
        # Runs in the worker's thread: its connection must not outlive the test
        # database (PostgreSQL refuses to drop a database still in use).
        connections.close_all()
        if getattr(sender, "name", None) == deliver_outbox.name:
            finished.append(args[0])

    task_prerun.connect(note_thread, weak=False)
    task_postrun.connect(note_finished, weak=False)
    try:
        with start_worker(
            app,
            perform_ping_check=False,
            pool="solo",
            concurrency=1,
            queues=[queue],
            shutdown_timeout=20,
        ) as running:
            running.ran_in = ran_in
            running.finished = finished
            yield running
    finally:
        task_prerun.disconnect(note_thread)
        task_postrun.disconnect(note_finished)
        with app.connection_for_write() as conn:  # leave no queue behind on the broker
            channel = conn.default_channel
            channel.queue_delete(queue)
            if conn.transport.driver_type == "redis":
                channel.client.delete(
                    f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
                )


def wait_for(predicate: Any, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_worker_creates_one_notification_per_recipient_after_commit(worker):
    room = UserFactory(roles=["sample_room"])
    clerk = UserFactory(roles=["sales_assistant"])
    record = JobFactory()
    hears_every_step(record.requester, Job)
    broker = "redis" if settings.CELERY_BROKER_URL.startswith("redis") else "filesystem"
    # The record's creation queued the delivery of its own outbox entry. The
    # test waits for the worker to finish it without touching the database:
    # on SQLite (a shared in-memory database) a write of the worker's thread
    # locks the tables against the test's queries instead of making them wait.
    assert wait_for(lambda: len(worker.finished) == 1), broker

    record = transition_perform(
        record=record, name="schedule", user=clerk, data=step_data(Job, "schedule")
    )

    assert wait_for(lambda: len(worker.finished) == 2), broker
    time.sleep(0.5)  # a duplicate delivery would show up now
    ct = ContentType.objects.get_for_model(record)
    created = Outbox.objects.get(task=notify_step.name, args=[ct.pk, record.pk, 1])
    entry = Outbox.objects.get(task=notify_step.name, args=[ct.pk, record.pk, record.step_seq])
    assert worker.finished == [created.pk, entry.pk]
    assert entry.done_at is not None and created.done_at is not None
    key = f"step:{ct.pk}:{record.pk}:{record.step_seq}"
    expected = sorted(u.pk for u in step_recipients(record) if u.pk != clerk.pk)
    assert {room.pk, record.requester_id} <= set(expected)
    notes = Notification.objects.filter(key=key)
    assert sorted(notes.values_list("recipient_id", flat=True)) == expected, broker
    assert not notes.filter(recipient=clerk).exists()
    main = threading.main_thread().name
    assert worker.ran_in and main not in worker.ran_in  # run by the worker, not eagerly
