"""How much each user hears of each process: every step of their records,
the steps waiting for them and the outcome of their records (the default),
or nothing; chosen on the settings page, applied where the recipients are
read, in the database, in the same queries whatever the number of users."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job, Review
from workflows.models import (
    EscalationRule,
    Notification,
    NotificationPreference,
    NotificationSettings,
    Reminder,
)
from workflows.notify.scan import reminders_scan
from workflows.selectors import step_recipients
from workflows.tasks import notify_step

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SETTINGS = reverse("workflows:notification_settings")


def choose(user, level: str, model=Job) -> None:
    NotificationPreference.objects.update_or_create(
        user=user, content_type=ContentType.objects.get_for_model(model), defaults={"level": level}
    )


def told_of(record) -> set[int]:
    """Who ``notify_step`` tells of the step the record is in."""
    notify_step(ContentType.objects.get_for_model(record).pk, record.pk, record.step_seq)
    return set(
        Notification.objects.filter(
            key__endswith=f":{record.pk}:{record.step_seq}", object_id=record.pk
        ).values_list("recipient_id", flat=True)
    )


# --- Who is told ---------------------------------------------------------------------------


def test_by_default_the_owner_hears_of_steps_waiting_for_them_and_of_the_outcome(
    advance, role_user
):
    record = JobFactory()
    owner = record.requester
    room = role_user("sample_room")

    planned = advance(record, "planned")
    assert told_of(planned) == {room.pk}  # waits for the sample room: not the owner
    delivered = advance(planned, "delivered")
    assert owner.pk in told_of(delivered)  # waits for the owner to accept
    # The outcome, whoever brought it: the owner hears of it.
    accepted = Job.objects.get(pk=delivered.pk)
    Job.objects.filter(pk=accepted.pk).update(state="accepted", step_seq=accepted.step_seq + 1)
    accepted.refresh_from_db()
    assert [u.pk for u in step_recipients(accepted)] == [owner.pk]


def test_an_owner_who_chose_every_step_hears_of_each(advance, role_user):
    record = JobFactory()
    choose(record.requester, "all")
    role_user("sample_room")

    planned = advance(record, "planned")

    assert record.requester_id in told_of(planned)


def test_nothing_means_nothing_of_that_process_even_a_step_waiting_for_them(advance, role_user):
    record = JobFactory()
    quiet, other = role_user("sample_room"), UserFactory(roles=["sample_room"])
    choose(quiet, "none")
    choose(other, "none", model=Review)  # another process: no effect here
    choose(record.requester, "none")

    planned = advance(record, "planned")
    assert told_of(planned) == {other.pk}

    accepted = Job.objects.get(pk=planned.pk)
    Job.objects.filter(pk=accepted.pk).update(state="accepted")
    accepted.refresh_from_db()
    assert step_recipients(accepted) == []  # the owner chose nothing: not even the outcome


def test_the_deadline_scan_follows_the_choices(role_user):
    now = timezone.now()
    loud, quiet = role_user("sample_room"), UserFactory(roles=["sample_room"])
    choose(quiet, "none")
    listening, default = JobFactory(state="planned"), JobFactory(state="planned")
    choose(listening.requester, "all")
    Job.objects.update(step_due_at=now - dt.timedelta(hours=1))
    manager = UserFactory()
    choose(manager, "none")  # escalations are a duty: they come whatever the choice
    EscalationRule.objects.create(role="sample_room", manager=manager, after=dt.timedelta(0))

    result = reminders_scan(now)

    assert (result.reminders, result.escalations) == (2, 2)
    by_record = {
        r.object_id: set(
            Notification.objects.filter(key=f"reminder:{r.pk}").values_list(
                "recipient_id", flat=True
            )
        )
        for r in Reminder.objects.all()
    }
    assert by_record == {
        listening.pk: {loud.pk, listening.requester_id},
        default.pk: {loud.pk},
    }
    assert (
        Notification.objects.filter(recipient=manager, key__startswith="escalation:").count() == 2
    )


@pytest.mark.parametrize("state", ["planned", "delivered"])
def test_the_choices_cost_no_query_more_whatever_the_number_of_users(state, role_user):
    """Who is told, read in the same queries with 2 users as with 40, and
    whatever each of them chose."""

    def queries(extra: int) -> int:
        levels = ["all", "mine", "none"]
        for n in range(extra):
            user = UserFactory(roles=["sample_room", "qa", "sales"])
            if n % 4:
                choose(user, levels[n % 3])
        record = JobFactory(state=state)
        choose(record.requester, "all")
        with CaptureQueriesContext(connection) as captured:
            step_recipients(record)
        return len(captured)

    few, many = queries(2), queries(40)

    # The users of the step's free rights, each rule's holders (a follow-up,
    # accept and reject are the requester's alone), the owner with their choice.
    assert few == many == (1 + 1 if state == "planned" else 1 + 3 + 1)


# --- The settings page ---------------------------------------------------------------------


def test_the_settings_page_offers_a_choice_for_each_process_the_user_takes_part_in(
    role_user, client_for
):
    sales = role_user("sales")

    response = client_for(sales).get(SETTINGS)

    body = response.content.decode()
    job = ContentType.objects.get_for_model(Job)
    review = ContentType.objects.get_for_model(Review)
    assert f'name="process_{job.pk}"' in body
    assert f'name="process_{review.pk}"' not in body  # sales takes no part in reviews
    form = response.context["choices"]
    assert form[f"process_{job.pk}"].initial == "mine"  # the default, checked
    assert re.search(r'value="mine"[^>]*checked', str(form[f"process_{job.pk}"]))
    assert "Test jobs" in body


def test_a_choice_is_saved_and_the_default_leaves_no_row(role_user, client_for):
    sales = role_user("sales")
    field = f"process_{ContentType.objects.get_for_model(Job).pk}"
    client = client_for(sales)

    assert client.post(SETTINGS, {"email": "immediate", field: "all"}).status_code == 302
    assert NotificationPreference.objects.get(user=sales).level == "all"
    assert client.get(SETTINGS).context["choices"][field].initial == "all"
    client.post(SETTINGS, {"email": "immediate", field: "none"})
    assert NotificationPreference.objects.get(user=sales).level == "none"
    client.post(SETTINGS, {"email": "immediate", field: "mine"})
    assert not NotificationPreference.objects.exists()


def test_a_wrong_choice_is_refused_and_nothing_is_saved(role_user, client_for):
    sales = role_user("sales")
    field = f"process_{ContentType.objects.get_for_model(Job).pk}"

    response = client_for(sales).post(SETTINGS, {"email": "digest", field: "loud"})

    assert response.status_code == 400
    assert response.context["choices"].errors[field]
    assert not NotificationPreference.objects.exists()
    assert not NotificationSettings.objects.exists()  # the email choice waits too
