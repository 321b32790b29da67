"""An overdue step in the browser: the reminder under the bell, marked read;
the daily digest chosen in the settings; the escalation in the manager's
inbox and on the record, gone once the step is taken."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from browser_walk import RecordPages
from django.utils import timezone
from playwright.sync_api import expect

from samples.models import SampleOrder
from workflows.models import EscalationRule, Notification, NotificationSettings
from workflows.notify.scan import reminders_scan
from workflows.services import record_start, transition_perform

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SAMPLES = RecordPages(r"SP-\d{4}-\d{4}", "sample order")


@pytest.fixture
def overdue_order(e2e_users: dict[str, Any], customer: Any, person: Any) -> tuple[SampleOrder, Any]:
    """A work order the sample room left three days overdue, and the technical
    director its overdue steps go to after a day; the scan has run."""
    director = person("director", "Dora", "Director")
    EscalationRule.objects.create(role="sample_room", manager=director, after=dt.timedelta(days=1))
    sales, clerk = e2e_users["sales"], e2e_users["sales_assistant"]
    record = record_start(
        record=SampleOrder(
            customer=customer,
            salesperson=sales,
            product_name="Enamel mug 350 ml",
            requirements="As the customer's drawing.",
        ),
        user=sales,
    )
    record = transition_perform(
        record=record,
        name="issue_work_order",
        user=clerk,
        data={
            "quantity": 2,
            "due_date": timezone.localdate() + dt.timedelta(days=7),
            "production_plan": "Form, glaze, fire, inspect",
        },
    )
    SampleOrder.objects.filter(pk=record.pk).update(
        step_due_at=timezone.now() - dt.timedelta(days=3)
    )
    result = reminders_scan()
    assert (result.reminders, result.escalations) == (1, 1)
    record.refresh_from_db()
    return record, director


def test_the_overdue_step_reaches_the_desk_and_the_manager_in_the_browser(
    desks: Any, e2e_users: dict[str, Any], overdue_order: tuple[SampleOrder, Any]
) -> None:
    record, director = overdue_order
    room = desks("sample_room")

    # The bell counts the reminder; the list shows it and marks it read.
    room.goto("/")
    unread = room.get_by_test_id("unread")
    expect(unread).to_be_visible()
    count = int(unread.inner_text())
    room.get_by_test_id("bell").click()
    room.get_by_test_id("bell-all").click()
    notes = room.get_by_test_id("notifications")
    # Messages are rendered in the language of the page that shows them.
    told = Notification.objects.get(recipient=e2e_users["sample_room"], key__startswith="reminder:")
    line = told.render("en")[0]
    assert line.startswith(f"{record.reference} Enamel mug 350 ml · ")
    reminder = notes.locator("li", has_text=line)
    expect(reminder).to_have_count(1)
    desks.shoot(room, "deadline-01-notifications")
    reminder.get_by_role("button", name="Mark as read").click()
    if count > 1:
        expect(room.get_by_test_id("unread")).to_have_text(str(count - 1))
    else:
        expect(room.get_by_test_id("unread")).to_have_count(0)
    expect(notes.locator("li.list-group-item-info", has_text=line)).to_have_count(0)

    # The sample room chooses the daily digest instead of an email each time.
    room.get_by_test_id("notification-settings").click()
    expect(room.get_by_test_id("email-address")).to_contain_text("sample_room@example.com")
    room.get_by_label("Once a day: one digest of what is due and overdue").check()
    room.get_by_test_id("settings-form").get_by_role("button", name="Save").click()
    expect(room.locator(".alert-success")).to_contain_text("settings were saved")
    expect(room.get_by_label("Once a day: one digest of what is due and overdue")).to_be_checked()
    assert NotificationSettings.email_mode(e2e_users["sample_room"]) == "digest"
    desks.shoot(room, "deadline-02-settings")

    # The director finds it escalated in the inbox and reads the record.
    boss = desks("director")
    boss.goto("/")
    escalated = boss.get_by_test_id("escalated")
    expect(escalated).to_contain_text(record.reference)
    expect(escalated).to_contain_text("Sample room")
    desks.shoot(boss, "deadline-03-escalated-inbox")
    escalated.get_by_role("link", name=record.reference, exact=True).click()
    expect(boss.get_by_test_id("escalation")).to_contain_text(
        f"escalated to {director.get_full_name()}"
    )
    expect(boss.get_by_test_id("timeline")).to_contain_text("Escalated")
    expect(boss.locator('input[type="file"]')).to_have_count(0)  # reads, does not act
    desks.shoot(boss, "deadline-04-escalated-record")

    # The sample room starts production: the escalation leaves the director's inbox.
    room.goto(record.get_absolute_url())
    expect(room.get_by_test_id("escalation")).to_be_visible()
    SAMPLES.take(room, "start_production", then="In production")
    expect(room.get_by_test_id("escalation")).to_have_count(0)
    boss.goto("/")
    expect(boss.get_by_test_id("escalated")).to_have_count(0)
