"""A real Celery worker, in this process, on the configured broker (Redis when
REDIS_URL is set, else kombu's filesystem transport), runs the notification
a transition queues when its transaction commits.

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
from factories import SampleOrderFactory, UserFactory, step_data

from config.celery import app
from workflows.models import Notification
from workflows.services import transition_perform
from workflows.tasks import notify_step, step_recipients

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(live_broker: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    queue = f"test-notify-{uuid.uuid4().hex[:12]}"
    task = app.tasks[notify_step.name]
    monkeypatch.setattr(task, "queue", queue, raising=False)
    # Celery caches a task's options at its first apply_async (the browser
    # tests may have queued it already, eagerly): make it read the queue again.
    monkeypatch.setattr(task, "_exec_options", None, raising=False)
    # The browser tests run tasks eagerly for the whole session; not here.
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    ran_in: list[str] = []

    def note_thread(sender: Any = None, **kwargs: Any) -> None:
        if getattr(sender, "name", None) == notify_step.name:
            ran_in.append(threading.current_thread().name)

    def close_worker_connections(**kwargs: Any) -> None:
        # Runs in the worker's thread: its connection must not outlive the test
        # database (PostgreSQL refuses to drop a database still in use).
        connections.close_all()

    task_prerun.connect(note_thread, weak=False)
    task_postrun.connect(close_worker_connections, weak=False)
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
            yield running
    finally:
        task_prerun.disconnect(note_thread)
        task_postrun.disconnect(close_worker_connections)
        app.conf.task_always_eager = eager
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
    record = SampleOrderFactory()

    record = transition_perform(
        record=record, name="issue_work_order", user=clerk, data=step_data("issue_work_order")
    )

    ct = ContentType.objects.get_for_model(record)
    key = f"step:{ct.pk}:{record.pk}:{record.step_seq}"
    expected = sorted(u.pk for u in step_recipients(record) if u.pk != clerk.pk)
    assert {room.pk, record.salesperson_id} <= set(expected)
    notes = Notification.objects.filter(key=key)
    broker = "redis" if settings.CELERY_BROKER_URL.startswith("redis") else "filesystem"
    assert wait_for(lambda: notes.count() >= len(expected)), (broker, list(notes))
    time.sleep(0.5)  # a duplicate delivery would show up now
    assert sorted(notes.values_list("recipient_id", flat=True)) == expected
    assert not notes.filter(recipient=clerk).exists()
    main = threading.main_thread().name
    assert worker.ran_in and main not in worker.ran_in  # run by the worker, not eagerly
