"""Deadline reminders: before a step is due, when it falls due, and repeated
while overdue; each exactly once, however many scans run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from tests.factories import UserFactory, hears_every_step
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from tests.workflow_checks import together
from workflows.models import EscalationRule, Notification, Reminder
from workflows.notify.scan import reminder_due, reminders_scan
from workflows.registry import process_models

NOW = timezone.make_aware(dt.datetime(2026, 11, 26, 10, 0))
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def due_at(record: Job, when: dt.datetime) -> Job:
    Job.objects.filter(pk=record.pk).update(step_due_at=when)
    record.refresh_from_db()
    return record


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (DAY + HOUR, None),  # due in 25 h: not yet
        (DAY - HOUR, ("soon", 0)),  # due in 23 h: within the day's lead time
        (HOUR, ("soon", 0)),
        (-HOUR, ("due", 0)),  # fell due an hour ago
        (-(DAY + HOUR), ("overdue", 1)),  # a day past: first repeat
        (-(3 * DAY + HOUR), ("overdue", 3)),
    ],
)
def test_the_reminder_a_step_calls_for_depends_on_its_deadline(offset, expected):
    record = due_at(JobFactory(state="planned"), NOW + offset)

    assert reminder_due(record, NOW) == expected


@pytest.mark.django_db
def test_a_closed_record_or_one_without_deadline_is_never_reminded():
    closed = due_at(JobFactory(state="accepted"), NOW - DAY)
    undated = due_at(JobFactory(state="planned"), None)

    assert reminder_due(closed, NOW) is None
    assert reminder_due(undated, NOW) is None
    assert reminders_scan(NOW).reminders == 0


@pytest.mark.django_db
def test_a_scan_tells_those_who_can_act_once_and_a_second_scan_nothing():
    room = UserFactory(roles=["sample_room"])
    record = due_at(JobFactory(state="planned"), NOW + HOUR)

    assert reminders_scan(NOW).reminders == 1
    assert reminders_scan(NOW).reminders == 0
    assert reminders_scan(NOW + dt.timedelta(minutes=30)).reminders == 0

    (reminder,) = Reminder.objects.all()
    assert (reminder.object_id, reminder.step_seq, reminder.kind) == (
        record.pk,
        record.step_seq,
        "soon",
    )
    told = Notification.objects.filter(key=f"reminder:{reminder.pk}")
    # The requester, who cannot act on the step, chose nothing: not told.
    assert set(told.values_list("recipient_id", flat=True)) == {room.pk}
    assert all(f"{record.reference} {record.title}" in n.line for n in told)


@pytest.mark.django_db
def test_a_step_left_overdue_is_reminded_when_due_and_again_each_day():
    due_at(JobFactory(state="planned"), NOW)

    sent = [
        reminders_scan(NOW + offset).reminders for offset in (-HOUR, HOUR, 2 * HOUR, DAY + HOUR)
    ]

    assert sent == [1, 1, 0, 1]
    assert list(Reminder.objects.order_by("sent_at", "pk").values_list("kind", "repeat")) == [
        ("soon", 0),
        ("due", 0),
        ("overdue", 1),
    ]


@pytest.mark.django_db
def test_a_new_visit_of_the_step_is_reminded_afresh():
    record = due_at(JobFactory(state="planned"), NOW + HOUR)
    reminders_scan(NOW)
    Job.objects.filter(pk=record.pk).update(step_seq=record.step_seq + 1)

    assert reminders_scan(NOW).reminders == 1
    assert Reminder.objects.count() == 2


@pytest.mark.django_db
def test_the_scan_is_on_the_beat_schedule():
    task = PeriodicTask.objects.get(task="workflows.tasks.scan_deadlines")

    assert task.enabled
    assert (task.interval.every, task.interval.period) == (5, "minutes")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency")
def test_two_scans_at_once_send_each_reminder_once():
    UserFactory(roles=["sample_room"])
    records = [due_at(JobFactory(state="planned"), NOW - HOUR) for _ in range(20)]
    for record in records:
        hears_every_step(record.requester, Job)  # each reminder to two people

    outcomes = together(lambda: reminders_scan(NOW), lambda: reminders_scan(NOW))

    assert sum(o.reminders for o in outcomes) == len(records)
    assert Reminder.objects.count() == len(records)
    keys = list(Notification.objects.values_list("recipient_id", "key"))
    assert len(keys) == len(set(keys)) == 2 * len(records)


@pytest.mark.django_db
@pytest.mark.parametrize("n", [5, 20])
def test_a_scan_costs_a_fixed_number_of_queries_whatever_it_sends_and_none_per_record_done(
    n, django_assert_num_queries
):
    """A chunk's reminders, escalations and notifications cost the same few
    statements however many there are; a scan with nothing new reads in
    bulk, whatever the count."""
    UserFactory(roles=["sample_room"])
    UserFactory(roles=["qa"])
    EscalationRule.objects.create(role="sample_room", manager=UserFactory())
    EscalationRule.objects.create(role="qa", manager=UserFactory())
    for _ in range(n):
        JobFactory(state="planned")  # the sample room's step
        JobFactory(state="rejected")  # QA and the sample room still to sign
    Job.objects.update(step_due_at=NOW - 3 * DAY)

    # Once per scan: the rules and each process model's candidates; for the
    # chunk, the reminders, escalations and sign-offs sent or made (3): that
    # is all a scan with nothing new costs. A chunk with work adds its records
    # owing something read whole, who holds
    # the steps of each state met (planned 1; rejected 2, the redo being the
    # requester's only), the transaction (savepoint and release), the owners
    # (each record has its own requester here), and one INSERT each of the
    # reminders, the escalations and the notifications. Nothing per record. On
    # PostgreSQL each INSERT is three statements: the temporary table made if
    # missing, the COPY into it and the INSERT from it.
    inserts = 3 if connection.vendor == "postgresql" else 1
    steady = 1 + len(process_models()) + 3
    with django_assert_num_queries(steady + 1 + 3 + 2 + 1 + 3 * inserts):
        result = reminders_scan(NOW)
    assert (result.reminders, result.escalations) == (2 * n, 3 * n)

    with django_assert_num_queries(steady):
        assert not reminders_scan(NOW)
