"""A customer complaint walked in the browser from received, through one
reopening by the customer, to closed, with the complaint handling report
printed."""

from __future__ import annotations

from typing import Any

import pytest
from browser_walk import RecordPages, hand_over, in_days
from conftest import PASSWORD
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COMPLAINT_PAGES = RecordPages(r"\bCC-\d{4}-\d{4}\b", "complaint")
reference, take = COMPLAINT_PAGES.reference, COMPLAINT_PAGES.take


@pytest.fixture
def complaint_users(e2e_users: dict[str, Any]) -> dict[str, Any]:
    """The walk's desks: the sample walk's, and production (which adds the
    actions, proposes the solution and carries its action out)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(
        username="production", password=PASSWORD, first_name="Pete", last_name="Press"
    )
    user.groups.add(Group.objects.get(name="production"))
    return {**e2e_users, "production": user}


def open_step(page: Page, step: str) -> Any:
    page.locator(f'[data-step="{step}"]').click()
    modal = page.locator(f"#step-{step}")
    expect(modal).to_be_visible()
    return modal


def confirm(page: Page, modal: Any, step: str, then: str) -> None:
    modal.locator(f'[data-confirm="{step}"]').click()
    expect(page.get_by_test_id("state")).to_have_text(then)


def investigate(qa: Page, production: Page, ref: str, users: dict[str, Any]) -> None:
    """D1–D4 by QA, a corrective action added and the solution proposed by production."""
    complaint_url = qa.url
    modal = open_step(qa, "define_problem")
    modal.locator(f'[name="define_problem-team"][value="{users["production"].pk}"]').check()
    for name, value in {
        "problem_what": "Lids leak when the flask lies on its side.",
        "problem_where": "Customer's warehouse, incoming inspection",
        "problem_when": "Delivery of last week",
        "problem_how_many": "40",
        "containment": "Stock of the lot quarantined and sorted 100%.",
        "containment_owner": "Warehouse, Mr. Li",
        "containment_done_on": in_days(0),
    }.items():
        modal.locator(f'[name="define_problem-{name}"]').fill(value)
    confirm(qa, modal, "define_problem", "Root cause (D4)")
    modal = open_step(qa, "record_root_cause")
    modal.locator('[name="record_root_cause-occurrence_why1"]').fill("The sealing ring is too thin")
    modal.locator('[name="record_root_cause-occurrence_why2"]').fill("The ring die is worn")
    modal.locator('[name="record_root_cause-occurrence_category"]').select_option("machine")
    modal.locator('[name="record_root_cause-escape_why1"]').fill("Leak test samples 2 a lot")
    modal.locator('[name="record_root_cause-escape_category"]').select_option("method")
    confirm(qa, modal, "record_root_cause", "Actions (D5–D7)")

    hand_over(production, ref, "Record the root cause")
    modal = open_step(production, "add_action")
    modal.locator('[name="add_action-kind"]').select_option("corrective")
    modal.locator('[name="add_action-action"]').fill("Replace the ring die")
    modal.locator('[name="add_action-owner"]').select_option(str(users["production"].pk))
    modal.locator('[name="add_action-due_date"]').fill(in_days(5))
    modal.locator('[data-confirm="add_action"]').click()
    # The action opens as its own task, in its owner's inbox.
    expect(production.locator("main h1")).to_contain_text("CA-")
    production.goto(complaint_url)
    expect(production.get_by_test_id("complaint-actions")).to_contain_text("Replace the ring die")
    take(
        production,
        "propose_solution",
        "Solution proposed",
        solution="New ring die; leak-test every lid of the next three lots.",
    )


def test_a_complaint_reopened_once_is_closed_and_its_report_printed(
    desks: Any, customer: Any, complaint_users: dict[str, Any]
) -> None:
    from complaints.models import DefectCategory

    DefectCategory.objects.create(code="LEAK", name="Leak")
    sales = desks("sales")
    sales.goto("/complaints/")
    sales.get_by_test_id("create").click()
    sales.select_option("#id_customer", value=str(customer.pk))
    sales.fill("#id_received_on", in_days(0))
    sales.select_option("#id_channel", value="email")
    sales.fill("#id_product_name", "Vacuum flask 500 ml")
    sales.fill("#id_description", "40 of 500 lids leak.")
    sales.select_option("#id_remedy", value="replacement")
    sales.select_option("#id_severity", value="major")
    sales.select_option("#id_category", label="Leak")
    sales.locator("main form button[type=submit]").click()
    expect(sales.get_by_test_id("state")).to_have_text("Received, to acknowledge")
    ref = reference(sales)
    take(
        sales,
        "acknowledge",
        "Investigating (D1–D3)",
        desks,
        acknowledgement="Told Mr. Huang QA investigates; answer within a week.",
    )

    qa, production = desks("qa"), desks("production")
    hand_over(qa, ref, "Acknowledge to the customer")
    investigate(qa, production, ref, complaint_users)
    hand_over(qa, ref, "Propose the solution")
    take(qa, "approve_solution", "Solution approved, to reply")

    # The customer is not satisfied: the complaint goes back to investigation.
    hand_over(sales, ref, "Approve the solution")
    modal = open_step(sales, "reopen")
    modal.locator('[name="reopen-reply"]').fill("The customer wants the supplier checked too.")
    modal.locator('[name="reopen-reply_on"]').fill(in_days(0))
    modal.locator('[name="reopen-reply_channel"]').select_option("phone")
    confirm(sales, modal, "reopen", "Investigating (D1–D3)")
    expect(sales.get_by_test_id("rounds")).to_contain_text("Round 1")
    desks.shoot(sales, "complaint-reopened")

    hand_over(qa, ref, "Customer not satisfied: reopen")
    investigate(qa, production, ref, complaint_users)
    hand_over(qa, ref, "Propose the solution")
    take(qa, "approve_solution", "Solution approved, to reply")

    # The action owners finish, QA verifies, then the salesperson closes.
    for _ in range(2):
        production.goto("/")
        production.get_by_test_id("inbox").get_by_role(
            "link", name="CA-", exact=False
        ).first.click()
        modal = open_step(production, "action_done")
        modal.locator('[name="action_done-done_on"]').fill(in_days(0))
        modal.locator('[name="action_done-evidence"]').fill("Die replaced; leak tests attached.")
        confirm(production, modal, "action_done", "Done, to verify")
        qa.goto(production.url)
        confirm(qa, open_step(qa, "action_verify"), "action_verify", "Verified")

    sales.reload()
    modal = open_step(sales, "close")
    modal.locator('[name="close-reply"]').fill("8D report sent; replacement shipped.")
    modal.locator('[name="close-reply_on"]').fill(in_days(0))
    modal.locator('[name="close-reply_channel"]').select_option("email")
    confirm(sales, modal, "close", "Closed, effectiveness check due")

    with sales.expect_popup() as opened:
        sales.get_by_test_id("print").click()
    report = opened.value
    expect(report.locator("h1")).to_have_text("Complaint handling report")
    expect(report.locator("body")).to_contain_text("The sealing ring is too thin")
    expect(report.locator("body")).to_contain_text("The customer wants the supplier checked too.")
    desks.shoot(report, "complaint-report")
