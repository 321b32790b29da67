"""The outbox: the work a transition calls for is written with it, queued
when it commits, and done exactly once, even when the broker was away or an
entry fails."""

from __future__ import annotations

import pytest
from celery import shared_task
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from tests.factories import UserFactory
from tests.kits import step_data
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from tests.workflow_checks import together
from workflows.models import Notification, Outbox, ReferenceCounter
from workflows.outbox import outbox_add, outbox_run, outbox_sweep
from workflows.selectors import step_recipients
from workflows.services import transition_perform
from workflows.tasks import deliver

YEAR = 2099  # counters of the tasks below, out of the way of real references


@shared_task(name="tests.outbox.count")
def count_run(prefix: str) -> str:
    """Counts its runs in the database."""
    return ReferenceCounter.next_reference(prefix, YEAR)


@shared_task(name="tests.outbox.half_done")
def half_done(prefix: str) -> None:
    """Writes, then fails: a worker killed half-way."""
    ReferenceCounter.next_reference(prefix, YEAR)
    raise RuntimeError("worker lost")


def runs(prefix: str) -> int:
    counter = ReferenceCounter.objects.filter(prefix=prefix, year=YEAR).first()
    return counter.last if counter else 0


def schedule(record: Job, clerk) -> Job:
    return transition_perform(
        record=record, name="schedule", user=clerk, data=step_data(Job, "schedule")
    )


def step_key(record: Job) -> str:
    ct = ContentType.objects.get_for_model(record)
    return f"step:{ct.pk}:{record.pk}:{record.step_seq}"


@pytest.fixture
def clerk():
    UserFactory(roles=["sample_room"])  # someone to tell when the work order is issued
    return UserFactory(roles=["sales_assistant"])


@pytest.mark.django_db(transaction=True)
def test_a_transition_writes_one_entry_and_queues_it_when_it_commits(clerk, queued_tasks):
    record = JobFactory()
    created = Outbox.objects.get()  # the record's start
    queued_tasks.clear()

    record = schedule(record, clerk)

    (entry,) = Outbox.objects.exclude(pk=created.pk)
    ct = ContentType.objects.get_for_model(record)
    assert (entry.task, entry.args, entry.done_at) == (
        "workflows.tasks.notify_step",
        [ct.pk, record.pk, record.step_seq],
        None,
    )
    assert queued_tasks == [("workflows.tasks.deliver_outbox", (entry.pk,))]


@pytest.mark.django_db
def test_running_an_entry_tells_those_concerned_once_and_a_second_run_does_nothing(clerk):
    record = schedule(JobFactory(), clerk)
    entry = Outbox.objects.latest("pk")
    expected = sorted(u.pk for u in step_recipients(record) if u.pk != clerk.pk)
    assert expected

    first = outbox_run(entry.pk)
    told = sorted(Notification.objects.filter(key=step_key(record)).values_list("recipient_id"))
    second = outbox_run(entry.pk)

    assert (first, second) == (True, False)
    assert [pk for (pk,) in told] == expected
    assert Notification.objects.filter(key=step_key(record)).count() == len(expected)
    entry.refresh_from_db()
    assert entry.done_at is not None


@pytest.mark.django_db
def test_an_entry_is_done_once_however_often_it_is_run():
    entry = outbox_add("tests.outbox.count", "ONCE")

    outcomes = [outbox_run(entry.pk) for _ in range(3)]

    assert outcomes == [True, False, False]
    assert runs("ONCE") == 1


@pytest.mark.django_db(transaction=True)
def test_the_sweep_does_the_entries_the_broker_never_got(clerk, monkeypatch):
    def broker_away(task, *args):
        return False

    monkeypatch.setattr("workflows.outbox.enqueue", broker_away)
    records = [schedule(JobFactory(), clerk) for _ in range(3)]
    waiting = Outbox.objects.filter(done_at__isnull=True)
    assert waiting.count() == 6  # each record's start and its scheduling
    assert not Notification.objects.exists()

    done = outbox_sweep()

    assert done == 6
    assert not waiting.exists()
    for record in records:
        assert Notification.objects.filter(key=step_key(record)).exists()
    assert outbox_sweep() == 0


@pytest.mark.django_db
def test_the_delivery_task_sweeps_the_outbox_and_sends_the_emails(clerk):
    record = schedule(JobFactory(), clerk)
    waiting = Outbox.objects.filter(done_at__isnull=True).count()

    result = deliver()

    told = Notification.objects.filter(key=step_key(record))
    assert result == {"outbox": waiting, "emails": told.count(), "digests": 0} and told.exists()
    assert not Outbox.objects.filter(done_at__isnull=True).exists()
    assert not told.filter(email_pending=True).exists()


@pytest.mark.django_db
def test_an_entry_that_fails_stays_pending_undone_and_the_others_are_done():
    failing = outbox_add("tests.outbox.half_done", "HALF")
    unknown = outbox_add("tests.outbox.no_such_task", "X")
    good = outbox_add("tests.outbox.count", "GOOD")

    done = outbox_sweep()

    assert done == 1
    assert runs("GOOD") == 1
    assert runs("HALF") == 0  # its writes went back with it
    pending = set(Outbox.objects.filter(done_at__isnull=True).values_list("pk", flat=True))
    assert pending == {failing.pk, unknown.pk}
    good.refresh_from_db()
    assert good.done_at is not None
    with pytest.raises(RuntimeError, match="worker lost"):
        outbox_run(failing.pk)  # a worker's run raises, so Celery sees the failure


@pytest.mark.django_db
def test_an_entry_that_keeps_failing_is_counted_and_left_with_its_error_after_ten_tries():
    failing = outbox_add("tests.outbox.half_done", "HALF")

    for _ in range(Outbox.MAX_ATTEMPTS + 3):
        outbox_sweep()

    failing.refresh_from_db()
    assert failing.attempts == Outbox.MAX_ATTEMPTS  # the sweep stopped trying
    assert failing.last_error == "RuntimeError: worker lost"
    assert failing.done_at is None and runs("HALF") == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_two_workers_running_one_entry_at_once_do_it_once(clerk):
    record = schedule(JobFactory(), clerk)
    notify = Outbox.objects.latest("pk")
    count = outbox_add("tests.outbox.count", "RACE")

    outcomes = together(*(lambda pk=pk: outbox_run(pk) for pk in (notify.pk, notify.pk)))
    counted = together(*(lambda: outbox_run(count.pk) for _ in range(3)))

    assert sorted(outcomes) == [False, True]
    assert sorted(counted) == [False, False, True]
    assert runs("RACE") == 1
    keys = list(Notification.objects.filter(key=step_key(record)).values_list("recipient_id"))
    assert len(keys) == len(set(keys)) > 0
    assert not Outbox.objects.filter(done_at__isnull=True, pk__in=[notify.pk, count.pk]).exists()
