"""A sample request walked through every department in the browser: rejected by
the customer in round 1, acknowledged by QA and the sample room, re-ordered, and
approved in round 2."""

from __future__ import annotations

from typing import Any

import pytest
from browser_walk import RecordPages, hand_over, in_days, sign
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SAMPLE_PAGES = RecordPages(r"\bSP-\d{4}-\d{4}\b", "record")
reference, take = SAMPLE_PAGES.reference, SAMPLE_PAGES.take


def test_sample_rejected_in_round_one_is_reordered_and_approved_in_round_two(
    desks: Any, customer: Any
) -> None:
    # The salesperson records the customer's request through the "new" form.
    sales = desks("sales")
    sales.goto("/samples/")
    sales.get_by_test_id("create").click()
    sales.select_option("#id_customer", value=str(customer.pk))
    sales.fill("#id_product_name", "Stoneware mug 350 ml")
    sales.fill("#id_quantity", "3")
    sales.fill("#id_requirements", "Matte glaze, Pantone 7545 C; logo pad-printed on the side.")
    sales.fill("#id_materials", "Customer drawing MUG-350 rev. B")
    sales.locator("main form button[type=submit]").click()
    expect(sales.get_by_test_id("state")).to_have_text("Requested")
    first = reference(sales)
    first_url = sales.url
    expect(sales.locator(".alert-success")).to_contain_text(f"{first} created")
    desks.shoot(sales, "01-requested")

    # The sales assistant issues the work order from the modal.
    assistant = desks("sales_assistant")
    hand_over(assistant, first, "Created")
    take(
        assistant,
        "issue_work_order",
        "Work order issued",
        desks,
        due_date=in_days(7),
        production_plan="Throw, bisque, glaze, fire; pad-print the logo.",
    )

    # The sample room makes it and hands it to QA.
    room = desks("sample_room")
    hand_over(room, first, "Issue work order")
    take(room, "start_production", "In production")
    take(room, "submit_inspection", "QA inspection")

    qa = desks("qa")
    hand_over(qa, first, "Submit for QA inspection")
    take(qa, "pass_inspection", "Passed, to warehouse")

    warehouse = desks("warehouse")
    hand_over(warehouse, first, "Pass inspection")
    take(warehouse, "receive_into_store", "Stored")

    # The salesperson sends it, confirms delivery and records the verdict.
    hand_over(sales, first, "Receive into warehouse")
    take(sales, "send_by_courier", "Dispatched", courier="SF Express", tracking_no="SF1400221234")
    expect(sales.locator("main")).to_contain_text("SF1400221234")
    take(sales, "confirm_delivery", "Awaiting customer feedback")
    take(
        sales,
        "reject",
        "Rejected by customer",
        customer_feedback="Glaze too dark; logo off-centre by 2 mm.",
    )
    expect(sales.get_by_test_id("feedback")).to_contain_text("Glaze too dark")

    # QA and the sample room confirm they received the feedback.
    hand_over(qa, first, "Customer rejects")
    expect(qa.get_by_test_id("unread")).to_be_visible()  # the engine notified QA of its steps
    desks.shoot(qa, "02-qa-sign-off")
    sign(qa, "Quality department", "Quinn Inspector")

    hand_over(room, first, "Quality department")
    sign(room, "Sample room", "Rita Room")

    # The salesperson re-orders and lands on round 2, at "work order issued".
    hand_over(sales, first, "Sample room")
    take(
        sales,
        "reorder",
        "Work order issued",
        due_date=in_days(10),
        changes="Lighter glaze; centre the logo.",
    )
    second = reference(sales)
    expect(sales.locator(".alert-success")).to_contain_text(f"It opened {second}")
    rounds = sales.get_by_test_id("rounds")
    expect(rounds).to_contain_text("Round 1")
    assert second != first
    expect(sales.locator("main h1")).to_contain_text("round 2")

    # Round 2 goes through production, inspection and dispatch again.
    hand_over(room, second, "Created as a new round")
    expect(room.get_by_test_id("timeline")).to_contain_text("Glaze too dark")
    take(room, "start_production", "In production")
    take(room, "submit_inspection", "QA inspection")

    hand_over(qa, second, "Submit for QA inspection")
    take(qa, "pass_inspection", "Passed, to warehouse")

    hand_over(warehouse, second, "Pass inspection")
    take(warehouse, "receive_into_store", "Stored")

    hand_over(sales, second, "Receive into warehouse")
    take(sales, "send_by_courier", "Dispatched", courier="SF Express", tracking_no="SF1400229876")
    take(sales, "confirm_delivery", "Awaiting customer feedback")
    take(
        sales,
        "approve",
        "Approved by customer",
        customer_feedback="Colour and logo approved; go ahead with the order.",
    )
    expect(sales.get_by_test_id("no-actions")).to_be_visible()
    desks.shoot(sales, "03-round-2-approved")

    # Round 1 stays closed as re-ordered, linked to the approved round 2.
    sales.goto(first_url)
    expect(sales.get_by_test_id("state")).to_have_text("Re-ordered")
    rounds = sales.get_by_test_id("rounds")
    expect(rounds.locator("li", has_text="Round 2")).to_contain_text("Approved by customer")
    expect(rounds.locator("li", has_text="Round 1")).to_contain_text("Re-ordered")

    # Nothing about either round waits in the sample room any more.
    room.goto("/")
    expect(room.locator("main")).not_to_contain_text(first)
    expect(room.locator("main")).not_to_contain_text(second)
