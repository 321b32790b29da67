"""The record page on a phone puts the actions on the first screen; the inbox
keeps what waits on others apart, naming whom; a step that opens a new round
lands on it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from samples.models import SampleOrder
from workflows.services import record_start

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def sample(e2e_users: dict[str, Any], customer: Any, state: str = "requested") -> SampleOrder:
    return record_start(
        record=SampleOrder(
            state=state,
            customer=customer,
            salesperson=e2e_users["sales"],
            product_name="Glass food box 1L",
            requirements="Match the colour card.",
            customer_feedback="The lid leaks." if state == "rejected" else "",
            due_date=timezone.localdate() + dt.timedelta(days=20),
        ),
        user=e2e_users["sales"],
    )


def test_on_a_phone_the_step_button_is_on_the_first_screen(
    desks: Any, e2e_users: dict[str, Any], customer: Any
) -> None:
    record = sample(e2e_users, customer)
    page = desks("sales_assistant")
    page.set_viewport_size(PHONE)

    page.goto(record.get_absolute_url())

    button = page.locator('[data-step="issue_work_order"]')
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    # The details come after the actions.
    details = page.get_by_text("Details", exact=True).bounding_box()
    assert details is not None and details["y"] > box["y"]
    page.screenshot(path=str(desks.shots / "en-phone-record-first-screen.png"))

    # The dialog's buttons: the step says what it does, the dialog closes with "Close".
    button.click()
    dialog = page.locator("#step-issue_work_order")
    expect(dialog.get_by_test_id("close-dialog")).to_have_text("Close")
    expect(dialog.locator('button[type="submit"]')).to_have_text("Issue work order")


def test_the_inbox_keeps_what_waits_on_others_apart_and_a_new_round_opens_on_its_page(
    desks: Any, e2e_users: dict[str, Any], customer: Any
) -> None:
    record = sample(e2e_users, customer, state="rejected")
    sales = desks("sales")

    sales.goto("/")
    expect(sales.get_by_test_id("inbox-empty")).to_be_visible()
    waiting = sales.get_by_test_id("inbox-waiting")
    row = waiting.locator("tr", has_text=record.reference)
    expect(row.get_by_test_id("waiting-on")).to_have_text("Quality department, Sample room")
    desks.shoot(sales, "inbox-waiting-on-others")

    qa = desks("qa")
    qa.goto("/")
    expect(qa.get_by_test_id("inbox").locator("tr", has_text=record.reference)).to_contain_text(
        "Sign: Customer feedback received by QA and the sample room"
    )
    qa.goto(record.get_absolute_url())
    expect(qa.get_by_test_id("waiting-for")).to_have_text(
        "Waiting for: your sign-off, Sample room."
    )
    qa.get_by_test_id("sign").click()
    expect(qa.get_by_test_id("waiting-for")).to_have_text("Waiting for: Sample room.")

    sales.reload()
    expect(row.get_by_test_id("waiting-on")).to_have_text("Sample room")

    room = desks("sample_room")
    room.goto(record.get_absolute_url())
    room.get_by_test_id("sign").click()
    expect(room.get_by_test_id("waiting-for")).to_have_text("Waiting for: Salesperson.")

    sales.reload()
    expect(sales.get_by_test_id("inbox-waiting")).to_have_count(0)
    todo = sales.get_by_test_id("inbox").locator("tr", has_text=record.reference)
    expect(todo.get_by_test_id("inbox-step")).to_have_text("Re-order (new round)")

    todo.get_by_role("link", name=record.reference).click()
    expect(sales.get_by_test_id("waiting-for")).to_have_text("Waiting for: you.")
    sales.locator('[data-step="reorder"]').click()
    dialog = sales.locator("#step-reorder")
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    dialog.get_by_label("due date of the new round").fill(due)
    dialog.locator('button[type="submit"]').click()

    new = SampleOrder.objects.get(previous_round=record)
    expect(sales).to_have_url(desks.url(new.get_absolute_url()))
    expect(sales.locator(".alert-success")).to_contain_text(new.reference)
    desks.shoot(sales, "new-round-landing")
