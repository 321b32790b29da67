"""A stuck database or a hung Redis fails fast: a statement waiting past the timeout
gives the friendly error page and is logged; a Redis that accepts the connection and
never answers costs a transition well under about a second, and the work waits in
the outbox."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from samples.models import SampleOrder
from tests.factories import UserFactory
from tests.kits import step_data
from tests.samples.kit import SampleOrderFactory
from workflows.models import Outbox
from workflows.outbox import DELIVER_OUTBOX
from workflows.outbox import enqueue as real_enqueue
from workflows.services import transition_perform


@pytest.fixture
def statement_timeout_ms() -> Iterator[int]:
    """This connection, reopened with a statement timeout as config.production sets it."""
    options = connection.settings_dict.setdefault("OPTIONS", {})
    saved = options.get("options")
    options["options"] = "-c statement_timeout=500"
    connection.close()
    yield 500
    if saved is None:
        options.pop("options")
    else:
        options["options"] = saved
    connection.close()


@contextmanager
def sessions_locked() -> Iterator[None]:
    """Another connection holds the sessions table, as a stuck job or migration would."""
    s = connection.settings_dict
    other = psycopg.connect(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"], host=s["HOST"], port=s["PORT"]
    )
    try:
        other.execute("LOCK TABLE django_session IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        other.rollback()
        other.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL statement timeout")
def test_a_request_stuck_behind_a_lock_gets_the_friendly_500_page_and_the_error_is_logged(
    statement_timeout_ms, caplog
):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(roles=["sales"]))

    with sessions_locked(), caplog.at_level(logging.ERROR, logger="django.request"):
        started = time.monotonic()
        response = client.get(reverse("workflows:inbox"))
        waited = time.monotonic() - started

    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body and "出错了" in body
    assert statement_timeout_ms / 1000 <= waited < 2.0
    (logged,) = [r for r in caplog.records if r.name == "django.request"]
    assert logged.levelno == logging.ERROR
    assert logged.exc_info and "statement timeout" in str(logged.exc_info[1])
    assert client.get(reverse("workflows:inbox")).status_code == 200  # the lock is gone


class HungRedis:
    """A TCP server on loopback that accepts connections and never answers."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.accepted: list[socket.socket] = []
        self.publishes: list[float] = []  # seconds each publish took
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.server.getsockname()[1]}/0"

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=2)
        for conn in self.accepted:
            conn.close()
        self.server.close()


@pytest.fixture
def broker_hung(settings, monkeypatch) -> Iterator[HungRedis]:
    """The Celery app talks to a hung Redis, with the project's Redis transport options."""
    from config.celery import app

    hung = HungRedis()
    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url = hung.url
    app.conf.broker_transport_options = settings.REDIS_TRANSPORT_OPTIONS
    app._pool = None
    app.amqp._producer_pool = None

    # What the engine queues goes to that broker for real (not to the test's record),
    # and the time each publish takes is kept.
    def timed(task, *args):
        started = time.monotonic()
        try:
            return real_enqueue(task, *args)
        finally:
            hung.publishes.append(time.monotonic() - started)

    monkeypatch.setattr("workflows.outbox.enqueue", timed)
    # The first publish of a process imports the Redis transport: paid once, hung or not.
    real_enqueue(DELIVER_OUTBOX, 0)
    yield hung
    app.conf.broker_url, app.conf.broker_transport_options = saved
    app._pool = None
    app.amqp._producer_pool = None
    hung.close()


@pytest.mark.django_db(transaction=True)
def test_a_hung_redis_costs_a_transition_under_a_second_and_the_work_waits_in_the_outbox(
    request, caplog
):
    record = SampleOrderFactory()
    clerk = UserFactory(roles=["sales_assistant"])
    UserFactory(roles=["sample_room"])
    hung = request.getfixturevalue("broker_hung")

    with caplog.at_level(logging.ERROR, logger="workflows.outbox"):
        record = transition_perform(
            record=record,
            name="issue_work_order",
            user=clerk,
            data=step_data(SampleOrder, "issue_work_order"),
        )

    assert record.state == "ordered"
    assert hung.accepted  # the broker was reached, and never answered
    (publish,) = hung.publishes  # the one entry of the step, queued after the commit
    assert publish < 1.0, f"queueing took {publish:.2f} s"
    entry = Outbox.objects.latest("pk")
    assert entry.task == "workflows.tasks.notify_step"
    assert (entry.done_at, entry.attempts) == (None, 0)  # waits for the next delivery run
    assert any("could not queue" in r.getMessage() for r in caplog.records)
