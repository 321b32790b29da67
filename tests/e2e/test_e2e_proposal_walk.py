"""A project proposal (P1) walked in the browser from lead to won: business
development records the lead, research assesses it, the marketing manager
decides to pitch, research writes the preliminary report, strategy and creative
give their opinions, research revises it into the formal report, the marketing
manager approves it and business development records the signed contract."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_walk import RecordPages, hand_over, in_days, sign
from playwright.sync_api import expect

from proposals.models import ProposalReport

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROPOSAL_PAGES = RecordPages(r"\bPP-\d{4}-\d{4}\b", "proposal")
reference, take = PROPOSAL_PAGES.reference, PROPOSAL_PAGES.take

# Every section of the report, as the researcher types it.
SECTIONS = {
    "site": "Riverside plot of 12 ha, south-facing, park on the east bank.",
    "traffic": "Bus lines 12 and 45; ten minutes to the Binjiang expressway.",
    "facilities": "Primary school, wet market and a hospital within 2 km.",
    "market": "Supply in the district outpaces sales; prices flat since spring.",
    "policy": "Purchase limits eased for second homes in March.",
    "consumers": "Families aged 30-45 upgrading, household income 300k+ a year.",
    "strengths": "River views and the park.",
    "weaknesses": "No metro line until 2028.",
    "opportunities": "Upgraders priced out of the city centre.",
    "threats": "Two competing launches next quarter.",
    "recommendations": "Price at 28,000 yuan/m2; 110-140 m2 three-bedroom layouts.",
}
REVISED_THREATS = "Two competing launches next quarter; Harbour Bay may cut prices by 5%."
COMPARABLE = {"name": "Harbour Bay Phase II", "price": "26500", "area": "128.5"}


def test_proposal_goes_from_lead_to_won_across_the_departments(
    desks: Any, proposal_users: dict[str, Any]
) -> None:
    # Business development records the lead through the "new" form.
    bd = desks("bd")
    bd.goto("/proposals/")
    bd.get_by_test_id("create").click()
    bd.fill("#id_developer_name", "Greenfield Estates Group")
    bd.fill("#id_developer_contact", "Mr. Lin")
    bd.fill("#id_project_name", "Riverside Gardens")
    bd.fill("#id_location", "Binjiang district")
    bd.fill("#id_pitch_deadline", in_days(30))
    bd.select_option("#id_owner", value=str(proposal_users["bd"].pk))
    bd.fill("#id_lead_notes", "Developer wants an agency for the 2027 launch.")
    bd.locator("main form button[type=submit]").click()
    expect(bd.get_by_test_id("state")).to_have_text("Lead")
    ref = reference(bd)
    expect(bd.locator(".alert-success")).to_contain_text(f"{ref} created")
    expect(bd.locator("main")).to_contain_text("Bella Developer")
    take(bd, "request_assessment", "Phase 1: assessing")

    # Research assesses the developer and recommends pitching.
    researcher = desks("researcher")
    hand_over(researcher, ref, "Ask research to assess")
    researcher.locator('[data-step="recommend"]').click()
    modal = researcher.locator("#step-recommend")
    expect(modal).to_be_visible()
    modal.locator('[name="recommend-developer_background"]').fill(
        "Regional developer, eight completed projects, sound finances."
    )
    modal.get_by_label("Pitch", exact=True).check()
    modal.locator('[name="recommend-recommendation_reason"]').fill(
        "Large site, realistic budget, no agency appointed yet."
    )
    modal.locator('[data-confirm="recommend"]').click()
    expect(researcher.get_by_test_id("state")).to_have_text("Pitch decision")

    # The marketing manager decides to pitch.
    manager = desks("marketing_manager")
    hand_over(manager, ref, "Recommend pitch or not")
    expect(manager.locator("main")).to_contain_text("no agency appointed yet")
    take(manager, "decide_pitch", "Phase 2: research plan")

    # Research starts with a plan; the preliminary report is due before the pitch.
    hand_over(researcher, ref, "Decide to pitch")
    take(
        researcher,
        "start_research",
        "Researching",
        developer_requirements="Preliminary findings within three weeks.",
        research_plan="Site visit, competitor survey, 200 consumer interviews.",
        preliminary_due=in_days(20),
    )
    reports = researcher.get_by_test_id("reports")
    expect(reports).to_contain_text("Preliminary market research report · revision 1")
    expect(reports).to_contain_text("being written")

    # The report is empty: submitting it is not possible yet, and the page says why.
    submit = researcher.locator('[data-step="submit_preliminary"]')
    expect(submit).to_be_disabled()
    expect(researcher.get_by_test_id("actions")).to_contain_text(
        "The report needs every section filled in before it is submitted."
    )

    # The researcher writes the report; a negative price is refused, nothing is saved.
    researcher.get_by_test_id("edit-report").click()
    form = researcher.get_by_test_id("report-form")
    expect(form).to_be_visible()
    for name, text in SECTIONS.items():
        form.locator(f'[name="{name}"]').fill(text)
    form.locator('[name="supply_area"]').fill("85.5")
    form.locator('[name="comparables-0-name"]').fill(COMPARABLE["name"])
    form.locator('[name="comparables-0-price"]').fill("-26500")
    form.locator('[name="comparables-0-area"]').fill(COMPARABLE["area"])
    form.get_by_test_id("save-report").click()
    expect(researcher.locator(".alert-danger")).to_contain_text("Please correct the errors below.")
    price = form.locator('[name="comparables-0-price"]')
    expect(price).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(form).to_contain_text("Ensure this value is greater than or equal to 1.")
    expect(form.locator('[name="site"]')).to_have_value(SECTIONS["site"])  # typing kept
    desks.shoot(researcher, "proposal-01-report-price-error")
    draft = ProposalReport.objects.get(proposal__reference=ref, revision=1)
    assert draft.site == "" and not draft.comparables.exists(), "an invalid report was saved"

    price.fill(COMPARABLE["price"])
    form.get_by_test_id("save-report").click()
    expect(researcher.locator(".alert-success")).to_contain_text("Report saved.")
    expect(researcher.get_by_test_id("state")).to_have_text("Researching")
    expect(submit).to_be_enabled()
    take(researcher, "submit_preliminary", "Preliminary report submitted")
    expect(reports).to_contain_text("submitted")
    expect(researcher.get_by_test_id("edit-report")).to_have_count(0)

    # The marketing manager asks strategy and creative for their opinions.
    hand_over(manager, ref, "Submit preliminary report")
    take(manager, "consult", "Phase 3: consulting strategy and creative")

    strategy = desks("strategy")
    hand_over(strategy, ref, "Ask strategy and creative for opinions")
    sign(
        strategy,
        "Strategy department",
        "Stella Strategist",
        "Position as the family upgrade by the river.",
    )

    creative = desks("creative")
    hand_over(creative, ref, "Strategy department")
    sign(
        creative,
        "Creative design department",
        "Cora Creative",
        "Key visual: the park at dawn, warm light.",
    )
    desks.shoot(creative, "proposal-02-opinions-given")

    # Research revises: a formal report, revision 2, opens with revision 1's content.
    hand_over(researcher, ref, "Creative design department")
    take(researcher, "revise", "Revising the report")
    expect(reports).to_contain_text("Formal market research report · revision 2")
    researcher.get_by_test_id("edit-report").click()
    expect(researcher.locator("main h1")).to_contain_text(
        "Formal market research report · revision 2"
    )
    form = researcher.get_by_test_id("report-form")
    expect(form.locator('[name="site"]')).to_have_value(SECTIONS["site"])
    expect(form.locator('[name="comparables-0-name"]')).to_have_value(COMPARABLE["name"])
    expect(form.locator('[name="comparables-0-price"]')).to_have_value(COMPARABLE["price"])
    form.locator('[name="threats"]').fill(REVISED_THREATS)
    form.get_by_test_id("save-report").click()
    expect(researcher.locator(".alert-success")).to_contain_text("Report saved.")
    take(researcher, "submit_formal", "Formal report for approval")

    # The marketing manager approves the formal report.
    hand_over(manager, ref, "Submit formal report")
    take(manager, "approve_formal", "Proposed")

    # Business development records the signed agency contract.
    hand_over(bd, ref, "Approve formal report")
    take(bd, "win", "Won", contract_signed_on=in_days(0))
    expect(bd.get_by_test_id("state")).to_have_text("Won")
    expect(bd.get_by_test_id("no-actions")).to_be_visible()
    signed_on = bd.locator("dt", has_text="Agency contract signed on").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(signed_on).to_have_text(in_days(0))
    reports = bd.get_by_test_id("reports")
    first = reports.locator("li", has_text="revision 1")
    second = reports.locator("li", has_text="revision 2")
    expect(first).to_contain_text("Preliminary market research report")
    expect(first).to_contain_text("submitted")
    expect(first).not_to_contain_text("approved")
    expect(second).to_contain_text("Formal market research report")
    expect(second).to_contain_text("approved")
    desks.shoot(bd, "proposal-03-won")

    # The printable formal report shows the sections and the comparables table.
    second.get_by_role("link", name=re.compile("revision 2")).click()
    expect(bd.locator("main h1")).to_contain_text("Formal market research report")
    with bd.context.expect_page() as opened:
        bd.get_by_test_id("print").click()
    printable = opened.value
    printable.wait_for_load_state()
    assert printable.url.endswith("?print=1"), printable.url
    body = printable.locator("body")
    expect(body).to_contain_text(ref)
    expect(body).to_contain_text("Riverside Gardens")
    for name, text in SECTIONS.items():
        if name != "threats":
            expect(body).to_contain_text(text)
    expect(body).to_contain_text(REVISED_THREATS)
    row = printable.get_by_test_id("comparables").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(COMPARABLE["name"])
    expect(row).to_contain_text(COMPARABLE["price"])
    expect(row).to_contain_text(COMPARABLE["area"])
    desks.shoot(printable, "proposal-04-printable-report")
    printable.close()

    # Nothing about the won proposal waits for anyone any more.
    for page in (bd, researcher, manager, strategy, creative):
        page.goto("/")
        expect(page.locator("main")).not_to_contain_text(ref)
