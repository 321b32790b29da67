"""A market research plan (P2) walked in the browser from draft to completed:
the marketing manager drafts it with its budget, the product-marketing
manager reviews it, the division general manager and the general manager
approve the budget, four sign it, the key-account department manager assigns
a task, the key-account manager files the findings, the marketing manager
accepts them and writes the report, which the product-marketing manager approves."""

from __future__ import annotations

from typing import Any

import pytest
from browser_walk import RecordPages, hand_over, in_days, sign
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PLAN_PAGES = RecordPages(r"\bMR-\d{4}-\d{4}\b", "research plan")
reference, take = PLAN_PAGES.reference, PLAN_PAGES.take


def test_research_plan_goes_from_draft_to_completed_across_the_roles(
    desks: Any, research_users: dict[str, Any]
) -> None:
    manager = desks("marketing_manager")
    manager.goto("/research/")
    manager.get_by_test_id("create").click()
    manager.fill("#id_title", "Glass kettles for key accounts")
    manager.get_by_label("Annual research plan").check()
    manager.fill("#id_period_start", in_days(0))
    manager.fill("#id_period_end", in_days(40))
    manager.fill("#id_objectives", "What the key accounts will stock next season.")
    manager.locator("main form button[type=submit]").click()
    expect(manager.get_by_test_id("state")).to_have_text("Drafting the plan")
    ref = reference(manager)

    take(
        manager,
        "submit_plan",
        "Plan review",
        content="Competitors, products, prices, customer needs.",
        method="Visits with the questionnaire.",
        schedule="Two weeks of visits, one week for the report.",
        item_1="Travel",
        amount_1="3000.00",
        item_2="Gifts",
        amount_2="1200.50",
    )
    expect(manager.get_by_test_id("budget-total")).to_have_text("4,200.50")

    pmm = desks("product_marketing_manager")
    hand_over(pmm, ref, "Submit the plan for review")
    take(pmm, "pass_review", "Budget approval")

    division = desks("division_gm")
    hand_over(division, ref, "Pass the review: to budget approval")
    take(division, "approve_budget", "General manager's approval")

    gm = desks("gm")
    hand_over(gm, ref, "Approve the budget")
    take(gm, "gm_approve", "Joint sign-off", comment="Agreed; keep within budget.")

    # The four signatures; the page names who must still sign.
    sign(gm, "General manager", "Gina General")
    expect(gm.get_by_test_id("waiting-for")).to_contain_text("Technical director")
    for role, department, name in (
        ("tech_director", "Technical director", "Ted Technical"),
        ("ka_dept_manager", "Key-account department manager", "Kate Keyaccounts"),
    ):
        page = desks(role)
        hand_over(page, ref, "Approve the plan and its budget")
        sign(page, department, name)
    pmm.reload()
    sign(pmm, "Product-marketing manager", "Pam Product")
    take(pmm, "approve_plan", "Approved: preparing materials")

    hand_over(manager, ref, "Approve the signed plan")
    take(
        manager,
        "issue_materials",
        "Fieldwork",
        question_1="Which brands do you stock?",
        question_2="What price range sells best?",
        collection_notes="One form per customer visited.",
    )

    # The key-account department manager assigns the task: it opens in its own page.
    ka_dept = desks("ka_dept_manager")
    hand_over(ka_dept, ref, "Issue the questionnaire and the collection form")
    ka_dept.locator('[data-step="assign_task"]').click()
    modal = ka_dept.locator("#step-assign_task")
    modal.locator('[name="assign_task-ka_manager"]').select_option(
        value=str(research_users["ka_manager"].pk)
    )
    modal.locator('[name="assign_task-area"]').fill("Guangdong key accounts")
    modal.locator('[name="assign_task-due_date"]').fill(in_days(14))
    modal.locator('[data-confirm="assign_task"]').click()
    expect(ka_dept.get_by_test_id("state")).to_have_text("Researching")
    task_ref = RecordPages(r"\bRT-\d{4}-\d{4}\b", "task").reference(ka_dept)

    ka = desks("ka_manager")
    ka.goto("/")
    ka.get_by_test_id("inbox").get_by_role("link", name=task_ref, exact=True).click()
    expect(ka.locator("main")).to_contain_text("What price range sells best?")
    ka.locator('[data-step="submit_findings"]').click()
    modal = ka.locator("#step-submit_findings")
    for name, value in {
        "competitor_info": "Brand A sells a 1.5 L glass kettle at 199 yuan.",
        "product_info": "Glass outsells steel two to one.",
        "price_info": "150 to 250 yuan.",
        "customer_needs": "Shorter delivery.",
        "answer_1": "A, B, C",
        "answer_2": "150 to 250 yuan.",
    }.items():
        modal.locator(f'[name="submit_findings-{name}"]').fill(value)
    modal.locator('[data-confirm="submit_findings"]').click()
    expect(ka.get_by_test_id("state")).to_have_text("Findings submitted")

    manager.goto("/")
    manager.get_by_test_id("inbox").get_by_role("link", name=task_ref, exact=True).click()
    manager.locator('[data-step="accept_findings"]').click()
    manager.locator('[data-confirm="accept_findings"]').click()
    expect(manager.get_by_test_id("state")).to_have_text("Accepted")

    # Every task accepted: the plan is at the report, the findings in view.
    manager.goto(f"/research/?q={ref}")
    manager.get_by_role("link", name=ref, exact=True).click()
    expect(manager.get_by_test_id("state")).to_have_text("Writing the report")
    expect(manager.get_by_test_id("findings")).to_contain_text("Brand A sells")
    take(
        manager,
        "submit_report",
        "Report review",
        report_competitors="Brand A leads on price.",
        report_customer_needs="Shorter delivery.",
        report_special_requirements="CCC mark on cartons.",
        report_conclusions="Launch a glass kettle at 199 yuan.",
    )

    hand_over(pmm, ref, "Submit the research report")
    take(pmm, "approve_report", "Completed")
    expect(pmm.get_by_test_id("report")).to_contain_text("approved")
    desks.shoot(pmm, "research-completed")
