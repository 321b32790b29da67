"""A browser that asks for Chinese (zh-CN) gets the Simplified Chinese interface."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import expect

from samples.models import SampleOrder
from workflows.services import record_start

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese(message: str) -> str:
    """The catalog's Chinese for ``message``; fails when it is not translated."""
    with translation.override("zh-hans"):
        text = str(translation.gettext(message))
    assert CJK.search(text), f"{message!r} has no Chinese translation in locale/zh_Hans"
    return text


def test_inbox_and_record_page_are_in_chinese_for_a_chinese_browser(
    chinese_desks: Any, e2e_users: dict[str, Any], customer: Any
) -> None:
    record = record_start(
        record=SampleOrder(
            customer=customer,
            salesperson=e2e_users["sales"],
            product_name="不锈钢保温杯 500ml",
            requirements="按客户色卡打样。",
        ),
        user=e2e_users["sales"],
    )

    page = chinese_desks("sales_assistant")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("main h1")).to_contain_text(chinese("Inbox"))
    inbox = page.get_by_test_id("inbox")
    expect(inbox.locator("thead")).to_contain_text(chinese("Reference"))
    row = inbox.locator("tr", has_text=record.reference)
    expect(row).to_contain_text(chinese("Requested"))
    expect(row).to_contain_text(chinese("sample orders"))
    chinese_desks.shoot(page, "01-inbox")

    row.get_by_role("link", name=record.reference).click()
    expect(page.get_by_test_id("state")).to_have_text(chinese("Requested"))
    expect(page.get_by_text(chinese("Timeline"), exact=True)).to_be_visible()
    expect(page.get_by_text(chinese("Next steps"), exact=True)).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text(chinese("Created"))
    expect(page.locator('[data-step="issue_work_order"]')).to_have_text(chinese("Issue work order"))
    chinese_desks.shoot(page, "02-record")
