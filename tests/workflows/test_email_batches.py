"""Email delivery in batches that runs at once share.

A run takes up to ``BATCH`` waiting notifications that no other run holds
(``FOR UPDATE SKIP LOCKED``), through the partial index that holds exactly
the waiting ones, and sends each in a transaction of its own: a fixed number
of statements an email, whatever the backlog, and never one email twice.
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection, transaction

from tests.factories import UserFactory
from tests.testflows.kit import JobFactory
from tests.workflow_checks import together
from workflows.models import Notification
from workflows.notify import email
from workflows.notify.email import BATCH, emails_send, message_id


def pending_notifications(count: int, users: int = 5) -> list[Notification]:
    """``count`` notifications whose email waits, for a few users, in one INSERT."""
    record = JobFactory()
    ct = ContentType.objects.get_for_model(record)
    readers = UserFactory.create_batch(users)
    return Notification.objects.bulk_create(
        Notification(
            recipient=readers[n % users],
            key=f"test:{n}",
            content_type=ct,
            object_id=record.pk,
            message=f"Message {n}",
            body=f"Message {n}",
            email_pending=True,
        )
        for n in range(count)
    )


def emailed_ids() -> list[str]:
    return [m.extra_headers["Message-ID"] for m in mail.outbox]


def ids_of(notes: list[Notification]) -> list[str]:
    return sorted(message_id("notification", n.pk) for n in notes)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, BATCH + 50])
def test_each_email_costs_the_same_statements_whatever_the_backlog(
    count, django_assert_num_queries
):
    """Per email: its transaction (a savepoint and release here), the batch's
    rows locked again (or taken, for the first of a batch) and the row marked
    sent; a batch shorter than ``BATCH`` ends the run."""
    notes = pending_notifications(count)

    with django_assert_num_queries(4 * count):
        assert emails_send() == count

    assert sorted(emailed_ids()) == ids_of(notes)
    assert not Notification.objects.filter(email_pending=True).exists()


@pytest.mark.django_db
def test_a_run_takes_batch_after_batch_until_none_is_left():
    notes = pending_notifications(2 * BATCH)

    assert emails_send() == 2 * BATCH
    assert emails_send() == 0

    assert sorted(emailed_ids()) == ids_of(notes)
    assert len(emailed_ids()) == 2 * BATCH


@pytest.mark.django_db
def test_a_limit_smaller_than_a_batch_takes_no_more(monkeypatch):
    monkeypatch.setattr(email, "BATCH", 4)
    notes = pending_notifications(10)

    assert emails_send(limit=6) == 6

    assert sorted(emailed_ids()) == ids_of(notes[:6])  # the oldest first
    assert Notification.objects.filter(email_pending=True).count() == 4


@pytest.mark.django_db
def test_one_connection_to_the_mail_server_a_batch(monkeypatch):
    monkeypatch.setattr(email, "BATCH", 4)
    pending_notifications(10)
    opened: list[object] = []
    real = email.get_connection

    def counting(*args, **kwargs):
        backend = real(*args, **kwargs)
        opened.append(backend)
        return backend

    monkeypatch.setattr(email, "get_connection", counting)

    assert emails_send() == 10
    assert len(opened) == 3  # batches of 4, 4 and 2


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_the_batch_query_reads_the_partial_index_of_waiting_emails():
    """Most notifications were emailed long ago; the query goes straight to
    the few waiting through ``notification_email_pending``."""
    sent = pending_notifications(3000)
    Notification.objects.filter(pk__in=[n.pk for n in sent[:2990]]).update(email_pending=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE workflows_notification")

    with transaction.atomic():
        plan = email._waiting().select_related("recipient")[:BATCH].explain()

    assert "Index Scan using notification_email_pending on workflows_notification" in plan, plan
    assert "Seq Scan on workflows_notification" not in plan, plan
    assert "LockRows" in plan, plan


# --- Runs at once (PostgreSQL) ------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_two_workers_share_a_backlog_and_send_each_email_once():
    notes = pending_notifications(3 * BATCH)

    outcomes = together(emails_send, emails_send)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(outcomes) == len(notes)
    assert all(o > 0 for o in outcomes), outcomes  # both took batches: shared, not chased
    assert sorted(emailed_ids()) == ids_of(notes)  # each once
    assert not Notification.objects.filter(email_pending=True).exists()
    assert Notification.objects.filter(emailed_at__isnull=False).count() == len(notes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_a_run_passes_by_the_rows_another_run_holds_without_waiting():
    """Another run holds ten of the waiting rows (its batch): this run sends
    the others at once and leaves those ten to it."""
    notes = pending_notifications(30)
    held = [n.pk for n in notes[5:15]]
    locked, release = threading.Event(), threading.Event()

    def other_run() -> None:
        try:
            with transaction.atomic():
                list(Notification.objects.select_for_update().filter(pk__in=held))
                locked.set()
                release.wait(20)
        finally:
            connection.close()

    holder = threading.Thread(target=other_run)
    holder.start()
    try:
        assert locked.wait(10)
        sent = emails_send()
        still = set(Notification.objects.filter(email_pending=True).values_list("pk", flat=True))
    finally:
        release.set()
        holder.join(20)

    assert sent == 20
    assert still == set(held)
    assert sorted(emailed_ids()) == ids_of([n for n in notes if n.pk not in held])
    assert emails_send() == 10  # the other run let go
    assert sorted(emailed_ids()) == ids_of(notes)
