"""The yearly satisfaction survey walked in the browser: the marketing
manager opens the year's campaign and prepares the questionnaire, the
product-marketing manager approves it, the survey goes out by email, the
customer answers through the private link on a phone (switching to Chinese
and back), and the manager sees the answer in the analysis."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_walk import RecordPages, hand_over, in_days
from django.contrib.auth.models import Group
from django.core import mail
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CAMPAIGN_PAGES = RecordPages(r"\bCS-\d{4}-\d{4}\b", "satisfaction survey")
reference, take = CAMPAIGN_PAGES.reference, CAMPAIGN_PAGES.take
LINK = re.compile(r"https?://\S+(/complaints/s/[\w-]+/)")


@pytest.fixture
def survey_users(e2e_users: dict[str, Any], person: Any) -> dict[str, Any]:
    from complaints.models import QuestionKind, SurveyQuestion

    users = dict(e2e_users)
    for role, first, last in (
        ("marketing_manager", "Mona", "Marketing"),
        ("product_marketing_manager", "Pam", "Product"),
    ):
        users[role] = person(role, first, last)
        users[role].groups.add(Group.objects.get(name=role))
    for n, (code, kind, zh, en) in enumerate(
        [
            ("quality", QuestionKind.SCALE, "产品质量", "Product quality"),
            ("delivery", QuestionKind.SCALE, "交货准时性", "On-time delivery"),
            ("recommend", QuestionKind.RECOMMEND, "推荐我们的可能性", "Would you recommend us?"),
            ("comments", QuestionKind.COMMENT, "其他意见", "Other comments"),
        ],
        start=1,
    ):
        SurveyQuestion.objects.create(code=code, kind=kind, text_zh=zh, text_en=en, position=n)
    return users


def test_a_campaign_is_answered_on_a_phone_and_analysed(
    desks: Any, survey_users: dict[str, Any], customer: Any, browser: Any
) -> None:
    customer.email = "buyer@lakeside.example"
    customer.save()
    manager = desks("marketing_manager")
    manager.goto("/complaints/surveys/")
    manager.get_by_test_id("create").click()
    manager.fill("#id_year", "2099")
    manager.fill("#id_title", "Customer satisfaction survey 2099")
    manager.fill("#id_close_date", in_days(20))
    manager.locator("main form button[type=submit]").click()
    expect(manager.get_by_test_id("state")).to_have_text("Preparing the questionnaire")
    ref = reference(manager)

    manager.locator('[data-step="prepare"]').click()
    modal = manager.locator("#step-prepare")
    expect(modal).to_be_visible()
    for box in modal.locator('[name="prepare-questions"]').all():
        box.check()
    modal.locator('[name="prepare-customers"]').select_option(value=str(customer.pk))
    modal.locator('[data-confirm="prepare"]').click()
    expect(manager.get_by_test_id("questionnaire")).to_contain_text("On-time delivery")
    take(manager, "submit_questionnaire", "Questionnaire review")

    pmm = desks("product_marketing_manager")
    hand_over(pmm, ref, "Submit the questionnaire for approval")
    take(pmm, "approve_questionnaire", "Approved, to send")

    mail.outbox.clear()
    manager.reload()
    take(manager, "send_survey", "Survey running")
    (message,) = mail.outbox
    assert message.to == ["buyer@lakeside.example"]
    path = LINK.search(message.body).group(1)

    # The customer, on a phone, without an account.
    phone_context = browser.new_context(
        base_url=desks.base_url,
        locale="en-US",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    phone = phone_context.new_page()
    phone.goto(path + "?lang=en")
    expect(phone.get_by_test_id("customer")).to_have_text(customer.name)
    desks.shoot(phone, "survey-phone-en")
    phone.get_by_role("link", name="简体中文").click()
    expect(phone.locator("h1")).to_have_text("客户满意度调查")
    desks.shoot(phone, "survey-phone-zh")
    phone.get_by_role("link", name="English").click()
    expect(phone.locator("h1")).to_have_text("Customer satisfaction survey")
    for code, score in (("quality", "5"), ("delivery", "2"), ("recommend", "9")):
        phone.locator(
            f'fieldset[data-code="{code}"] label', has_text=re.compile(f"^{score}$")
        ).click()
    phone.locator("textarea").fill("Deliveries were late twice.")
    phone.get_by_role("button", name="Send my answer").click()
    expect(phone.get_by_test_id("thanks")).to_contain_text("Thank you")
    desks.shoot(phone, "survey-phone-thanks")
    phone.goto(path + "?lang=en")
    expect(phone.get_by_test_id("problem")).to_contain_text("answered already")
    phone_context.close()

    manager.reload()
    analysis = manager.get_by_test_id("analysis")
    expect(manager.get_by_test_id("response-rate")).to_contain_text("1 of 1 customers answered")
    expect(analysis.get_by_test_id("by-customer")).to_contain_text(customer.name)
    expect(analysis.locator("svg").first).to_be_visible()
    # The low delivery score opened an improvement action, shown in the report.
    expect(analysis.get_by_test_id("actions")).to_contain_text("Open 1")
    desks.shoot(manager, "survey-analysis")
