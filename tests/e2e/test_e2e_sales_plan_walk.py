"""A monthly sales plan (《销售计划表》, SC-004) walked in the browser: the
monthly schedule opens it, the key-account manager writes its rows (adding
one with the page's button) and hands it in, the key-account department
manager consolidates the month, and the product-marketing manager approves it."""

from __future__ import annotations

from typing import Any

import pytest
from browser_walk import RecordPages, hand_over
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PLAN_PAGES = RecordPages(r"\bSL-\d{4}-\d{4}\b", "sales plan")
reference = PLAN_PAGES.reference


def test_sales_plan_goes_from_the_schedule_to_approval(
    desks: Any, research_users: dict[str, Any], customer: Any
) -> None:
    from workflows.schedules import schedule_run

    assert schedule_run("Monthly sales plan") is True

    ka = desks("ka_manager")
    ka.goto("/")
    inbox = ka.get_by_test_id("inbox")
    expect(inbox).to_contain_text("SL-")
    inbox.get_by_role("link", name="SL-", exact=False).first.click()
    expect(ka.get_by_test_id("state")).to_have_text("Drafting the sales plan")
    ref = reference(ka)

    step = "submit_sales_plan"
    ka.locator(f'[data-step="{step}"]').click()
    modal = ka.locator(f"#step-{step}")
    expect(modal).to_be_visible()
    modal.locator(f'[name="{step}-customer_1"]').select_option(label=customer.name)
    modal.locator(f'[name="{step}-product_1"]').fill("Glass kettle 1.5 L")
    modal.locator(f'[name="{step}-quantity_1"]').fill("120")
    modal.locator(f'[name="{step}-price_1"]').fill("89.50")
    modal.locator("[data-add-plan-row]").click()
    modal.locator(f'[name="{step}-customer_6"]').select_option(label=customer.name)
    modal.locator(f'[name="{step}-product_6"]').fill("Rice cooker 3 L")
    modal.locator(f'[name="{step}-quantity_6"]').fill("10")
    modal.locator(f'[name="{step}-price_6"]').fill("219")
    desks.shoot(ka, "modal-submit-sales-plan")
    modal.locator(f'[data-confirm="{step}"]').click()
    expect(ka.get_by_test_id("state")).to_have_text("Awaiting consolidation")
    expect(ka.get_by_test_id("plan-total")).to_have_text("12,930.00")

    dept = desks("ka_dept_manager")
    hand_over(dept, ref, "Hand in the sales plan")
    dept.get_by_test_id("month-link").click()
    expect(dept.get_by_test_id("month-total")).to_have_text("12,930.00")
    dept.locator('input[name="plans"]').first.check()
    dept.get_by_test_id("month-consolidate_sales_plan").click()
    expect(dept.locator(".alert-success")).to_contain_text(ref)
    desks.shoot(dept, "sales-plan-month")

    pmm = desks("product_marketing_manager")
    hand_over(pmm, ref, "Consolidate: send to the product-marketing manager")
    pmm.get_by_test_id("month-link").click()
    pmm.locator('input[name="plans"]').first.check()
    pmm.get_by_test_id("month-approve_sales_plan").click()
    expect(pmm.locator(".alert-success")).to_contain_text(ref)
    pmm.set_viewport_size({"width": 390, "height": 844})
    desks.shoot(pmm, "sales-plan-month-phone")

    ka.reload()
    expect(ka.get_by_test_id("state")).to_have_text("Approved: sales tasks assigned")
    expect(ka.get_by_test_id("timeline")).to_contain_text(
        "Approve the sales plan: assign the sales tasks"
    )
