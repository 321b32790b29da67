"""Email: immediate emails go after the commit, each exactly once, and wait
while the mail server is away; those who chose the digest get one email a
day with what is overdue and due today, and nothing else."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from tests.factories import UserFactory
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from tests.workflow_checks import together
from workflows.models import Digest, EscalationRule, Notification, NotificationSettings
from workflows.notify.email import digests_retry, digests_send, emails_send
from workflows.notify.scan import escalation_send
from workflows.selectors import digest_content, escalation_rules, escalations_due
from workflows.tasks import notify_step

NOW = timezone.make_aware(dt.datetime(2026, 11, 26, 10, 0))  # a Thursday morning
TODAY = dt.date(2026, 11, 26)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
Email = NotificationSettings.Email


class FailingBackend(BaseEmailBackend):
    """A mail server that is away."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server away")


def due_at(record: Job, when: dt.datetime | None) -> Job:
    Job.objects.filter(pk=record.pk).update(step_due_at=when)
    record.refresh_from_db()
    return record


def user_choosing(mode: str | None, roles: tuple[str, ...] = ("sample_room",), **kwargs):
    """A user who chose ``mode`` for their emails (None: never chose)."""
    user = UserFactory(roles=list(roles), **kwargs)
    if mode is not None:
        NotificationSettings.objects.create(user=user, email=mode)
    return user


def ordered(due: dt.datetime | None) -> Job:
    """A job waiting for the sample room to start it."""
    return due_at(JobFactory(state="planned"), due)


def refs_in(text: str, *records: Job) -> list[bool]:
    return [r.reference in text for r in records]


# --- The digest ---------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(DEFAULT_FROM_EMAIL="marketing@example.org")
def test_the_digest_lists_overdue_and_due_today_records_and_escalations_only():
    user = user_choosing(Email.DIGEST)
    overdue = ordered(NOW - DAY)
    due_today = ordered(NOW + 8 * HOUR)  # 18:00 today
    later = ordered(NOW + DAY)  # tomorrow
    not_mine = due_at(JobFactory(state="checking"), NOW - HOUR)  # QA's step
    # Another of QA's steps, overdue and escalated to the user as QA's manager.
    EscalationRule.objects.create(role="qa", manager=user)
    escalated = due_at(JobFactory(state="checking"), NOW - 3 * DAY)
    (rule,) = escalations_due(escalated, NOW, escalation_rules())
    assert escalation_send(escalated, rule, NOW)

    content = digest_content(user, NOW)

    (section,) = content.sections
    assert section.model is Job
    assert section.overdue == [overdue]
    assert section.due == [due_today]
    assert [e.object_id for e in content.escalations] == [escalated.pk]
    assert content.count == 3

    assert digests_send(NOW) == 1

    (email,) = mail.outbox
    assert email.to == [user.email]
    assert refs_in(email.body, overdue, due_today, escalated) == [True, True, True]
    assert refs_in(email.body, later, not_mine) == [False, False]
    digest = Digest.objects.get()
    assert (digest.user, digest.day, digest.items, digest.sent_at) == (user, TODAY, 3, NOW)
    assert email.extra_headers["Message-ID"] == f"<digest-{digest.pk}@example.org>"


@pytest.mark.django_db
def test_only_those_who_chose_the_digest_get_one():
    chose = user_choosing(Email.DIGEST)
    user_choosing(None)
    user_choosing(Email.IMMEDIATE)
    user_choosing(Email.OFF)
    user_choosing(Email.DIGEST, is_active=False)
    user_choosing(Email.DIGEST, email="")
    ordered(NOW - DAY)

    assert digests_send(NOW) == 1

    assert [m.to for m in mail.outbox] == [[chose.email]]
    assert list(Digest.objects.values_list("user_id", flat=True)) == [chose.pk]


@pytest.mark.django_db
def test_one_digest_a_day_however_many_records_and_runs():
    user = user_choosing(Email.DIGEST)
    records = [ordered(NOW - DAY + n * HOUR) for n in range(5)]

    first = digests_send(NOW)
    second = digests_send(NOW + 2 * HOUR)

    assert (first, second) == (1, 0)
    (email,) = mail.outbox
    assert refs_in(email.body, *records) == [True] * len(records)
    assert Digest.objects.get().user == user


@pytest.mark.django_db
def test_the_next_day_brings_the_next_digest():
    user = user_choosing(Email.DIGEST)
    ordered(NOW - DAY)
    digests_send(NOW)

    assert digests_send(NOW + DAY) == 1

    assert [m.to for m in mail.outbox] == [[user.email], [user.email]]
    assert list(Digest.objects.order_by("day").values_list("day", flat=True)) == [
        TODAY,
        TODAY + DAY,
    ]


@pytest.mark.django_db
def test_a_user_with_nothing_due_today_gets_no_digest():
    user_choosing(Email.DIGEST)
    ordered(NOW + DAY)
    ordered(None)
    due_at(JobFactory(state="accepted"), NOW - DAY)  # closed

    assert digests_send(NOW) == 0

    assert mail.outbox == []
    assert not Digest.objects.exists()


@pytest.mark.django_db
def test_a_digest_a_dead_run_left_unsent_is_sent_by_the_next_run_that_day():
    user = user_choosing(Email.DIGEST)
    ordered(NOW - DAY)
    Digest.objects.create(user=user, day=TODAY)  # the run died before sending

    assert digests_send(NOW) == 1

    assert [m.to for m in mail.outbox] == [[user.email]]
    assert Digest.objects.get().sent_at == NOW


@pytest.mark.django_db
def test_a_mail_server_away_at_digest_time_skips_nobody_and_the_delivery_run_sends_later():
    first, second = user_choosing(Email.DIGEST), user_choosing(Email.DIGEST)
    ordered(NOW - DAY)

    with override_settings(EMAIL_BACKEND=f"{__name__}.FailingBackend"):
        assert digests_send(NOW) == 0  # both tried, neither raised out of the run

    assert set(Digest.objects.filter(sent_at=None).values_list("user", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert digests_retry(NOW + HOUR) == 2  # the server is back
    assert digests_retry(NOW + 2 * HOUR) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, second.email])
    assert digests_retry(NOW + DAY) == 0  # yesterday's rows are not today's digest


@pytest.mark.django_db
def test_the_digest_is_written_in_the_language_each_reader_chose():
    english = user_choosing(Email.DIGEST)
    NotificationSettings.objects.filter(user=english).update(language="en")
    chinese = user_choosing(Email.DIGEST)
    ordered(NOW - DAY)

    assert digests_send(NOW) == 2

    by_reader = {m.to[0]: m for m in mail.outbox}
    assert by_reader[english.email].subject == "Your work due on 2026-11-26: 1 item(s)"
    assert "is what is due and overdue for you" in by_reader[english.email].body
    assert by_reader[chinese.email].subject == "2026-11-26 到期事项：1 项"
    assert "以下是 2026-11-26 您到期和逾期的事项" in by_reader[chinese.email].body


# --- Immediate emails ---------------------------------------------------------------------


@pytest.fixture
def told(advance, role_user):
    """A job that entered "planned", and notify_step run for it with users of
    every email choice in the sample room: {choice: (user, notification)}."""
    users = {
        "never_chose": user_choosing(None),
        "immediate": user_choosing(Email.IMMEDIATE),
        "digest": user_choosing(Email.DIGEST),
        "off": user_choosing(Email.OFF),
        "no_address": user_choosing(None, email=""),
    }
    record = advance.take(JobFactory(), "schedule")
    ct = ContentType.objects.get_for_model(record)
    notify_step(ct.pk, record.pk, record.step_seq)
    notes = Notification.objects.filter(content_type=ct, object_id=record.pk)
    return {name: (user, notes.get(recipient=user)) for name, user in users.items()}


@pytest.mark.django_db
def test_only_immediate_users_with_an_address_get_an_email_pending(told):
    pending = {name: note.email_pending for name, (_user, note) in told.items()}

    assert pending == {
        "never_chose": True,
        "immediate": True,
        "digest": False,
        "off": False,
        "no_address": False,
    }
    assert mail.outbox == []  # nothing is emailed inside the task


@pytest.mark.django_db
def test_emails_send_sends_each_pending_notification_once_and_marks_it(told):
    pending = list(Notification.objects.filter(email_pending=True).select_related("recipient"))
    assert {told["never_chose"][1], told["immediate"][1]} <= set(pending)

    sent = emails_send()
    again = emails_send()

    assert (sent, again) == (len(pending), 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(n.recipient.email for n in pending)
    emailed = {m.to[0] for m in mail.outbox}
    assert told["digest"][0].email not in emailed and told["off"][0].email not in emailed
    for note in pending:
        note.refresh_from_db()
        assert not note.email_pending and note.emailed_at is not None
    for name in ("digest", "off", "no_address"):
        note = told[name][1]
        note.refresh_from_db()
        assert note.emailed_at is None


@pytest.mark.django_db
def test_emails_send_sends_no_more_than_its_limit(told):
    pending = Notification.objects.filter(email_pending=True)
    waiting = pending.count()
    assert waiting >= 2

    assert emails_send(limit=1) == 1

    assert len(mail.outbox) == 1
    assert pending.count() == waiting - 1


@pytest.mark.django_db
@override_settings(DEFAULT_FROM_EMAIL="Marketing <marketing@example.org>")
def test_the_message_id_is_the_notifications_own_at_the_senders_domain(told):
    emails_send()

    note = told["immediate"][1]
    (email,) = [m for m in mail.outbox if m.to == [told["immediate"][0].email]]
    assert email.extra_headers["Message-ID"] == f"<notification-{note.pk}@example.org>"
    assert (email.subject, email.body) == note.render(
        NotificationSettings.language_of(note.recipient)
    )


@pytest.mark.django_db
def test_a_mail_server_that_fails_leaves_the_emails_pending_for_the_next_run(told):
    pending = set(Notification.objects.filter(email_pending=True).values_list("pk", flat=True))

    with override_settings(EMAIL_BACKEND=f"{__name__}.FailingBackend"):
        failed = emails_send()

    assert failed == 0
    still = Notification.objects.filter(pk__in=pending)
    assert set(still.filter(email_pending=True, emailed_at=None).values_list("pk", flat=True)) == (
        pending
    )

    assert emails_send() == len(pending)  # the server is back
    assert not still.filter(email_pending=True).exists()


# --- Concurrency (PostgreSQL) -------------------------------------------------------------


def pending_notifications(count: int) -> list[Notification]:
    record = JobFactory()
    ct = ContentType.objects.get_for_model(record)
    return [
        Notification.objects.create(
            recipient=UserFactory(),
            key=f"test:{n}",
            content_type=ct,
            object_id=record.pk,
            message=f"Message {n}",
            body=f"Message {n}",
            email_pending=True,
        )
        for n in range(count)
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_two_delivery_runs_at_once_send_each_email_once():
    notes = pending_notifications(20)

    outcomes = together(emails_send, emails_send)

    assert sum(outcomes) == len(notes)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(n.recipient.email for n in notes)
    assert not Notification.objects.filter(email_pending=True).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_an_email_goes_while_its_recipient_is_locked_by_someone_else():
    # Someone updates the recipient (a login writes last_login) while the
    # delivery run comes by: the notification is locked, not the user.
    (note,) = pending_notifications(1)
    locked, release = threading.Event(), threading.Event()

    def hold_user_row() -> None:
        try:
            with transaction.atomic():
                get_user_model().objects.select_for_update().get(pk=note.recipient_id)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_user_row)
    holder.start()
    try:
        assert locked.wait(10)
        sent = emails_send()
    finally:
        release.set()
        holder.join(10)

    assert sent == 1
    assert [m.to for m in mail.outbox] == [[note.recipient.email]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_two_digest_runs_at_once_send_one_digest_per_user():
    users = [user_choosing(Email.DIGEST) for _ in range(3)]
    ordered(NOW - DAY)

    outcomes = together(lambda: digests_send(NOW), lambda: digests_send(NOW))

    assert sum(outcomes) == len(users)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert Digest.objects.filter(sent_at__isnull=False).count() == len(users)
