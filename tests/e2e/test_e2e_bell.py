"""The bell's drop-down in the browser: the latest unread notifications, each
naming its record's subject, opened (and so marked read) on the way to the
record, a link to the full list; in English on a desktop and in Chinese on
a phone-sized screen, where the bell sits beside the menu button."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from samples.models import SampleOrder
from workflows.models import Notification
from workflows.services import record_start, transition_perform

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PRODUCTS = ["Enamel mug", "Bamboo tray", "Glass jar", "Linen bag", "Steel bottle", "Oak board"]


@pytest.fixture
def work_orders(e2e_users: dict[str, Any], customer: Any) -> list[SampleOrder]:
    """Six work orders issued to the sample room, oldest first: six unread
    notifications for the sample room."""
    sales, clerk = e2e_users["sales"], e2e_users["sales_assistant"]
    records = []
    for product in PRODUCTS:
        record = record_start(
            record=SampleOrder(
                customer=customer,
                salesperson=sales,
                product_name=product,
                requirements="As the customer's drawing.",
            ),
            user=sales,
        )
        records.append(
            transition_perform(
                record=record,
                name="issue_work_order",
                user=clerk,
                data={
                    "quantity": 2,
                    "due_date": timezone.localdate() + dt.timedelta(days=7),
                    "production_plan": "Form, glaze, fire, inspect",
                },
            )
        )
    room = e2e_users["sample_room"]
    assert Notification.objects.filter(recipient=room, read_at=None).count() == len(PRODUCTS)
    return records


def open_bell(page: Page) -> Any:
    page.get_by_test_id("bell").click()
    menu = page.get_by_test_id("bell-menu")
    expect(menu).to_be_visible()
    expect(menu.get_by_test_id("bell-item").first).to_be_visible()
    return menu


def test_the_bell_opens_the_latest_unread_and_one_leads_to_its_record(
    desks: Any, e2e_users: dict[str, Any], work_orders: list[SampleOrder]
) -> None:
    room = desks("sample_room")
    room.goto("/")
    expect(room.get_by_test_id("unread")).to_have_text("6")

    menu = open_bell(room)
    items = menu.get_by_test_id("bell-item")
    expect(items).to_have_count(5)  # the latest five of six
    newest = work_orders[-1]
    expect(items.first).to_contain_text(
        f"{newest.reference} Oak board · Lakeside Housewares Ltd. (Sample orders)"
    )
    expect(menu).not_to_contain_text("Enamel mug")  # the oldest: in the full list only
    expect(menu.get_by_test_id("bell-all")).to_have_text("All notifications")
    desks.shoot(room, "bell-01-open")

    items.nth(1).click()  # the second newest
    opened = work_orders[-2]
    expect(room).to_have_url(desks.url(opened.get_absolute_url()))
    expect(room.locator("main h1")).to_contain_text(opened.reference)
    expect(room.get_by_test_id("unread")).to_have_text("5")
    assert Notification.objects.get(recipient=e2e_users["sample_room"], object_id=opened.pk).read_at

    menu = open_bell(room)
    expect(menu).not_to_contain_text("Steel bottle")  # read: no longer under the bell
    expect(menu).to_contain_text("Enamel mug")  # the oldest moved up
    menu.get_by_test_id("bell-all").click()
    expect(room).to_have_url(desks.url("/notifications/"))
    expect(room.get_by_test_id("notifications").locator("li")).to_have_count(6)


def test_the_bell_on_a_phone_in_chinese(chinese_desks: Any, work_orders: list[SampleOrder]) -> None:
    room = chinese_desks("sample_room")
    room.set_viewport_size({"width": 390, "height": 844})
    room.goto("/")

    bell = room.get_by_test_id("bell")
    expect(bell).to_be_visible()  # beside the menu button, not folded in the menu
    menu = open_bell(room)
    expect(menu.get_by_test_id("bell-item").first).to_contain_text(
        f"{work_orders[-1].reference} Oak board · Lakeside Housewares Ltd.（样品单）已进入"
    )
    expect(menu.get_by_test_id("bell-all")).to_have_text("全部通知")
    box = menu.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # fits the screen
    assert box["y"] + box["height"] <= 844
    chinese_desks.shoot(room, "bell-02-phone")

    menu.get_by_test_id("bell-item").first.click()
    expect(room).to_have_url(chinese_desks.url(work_orders[-1].get_absolute_url()))
    expect(room.get_by_test_id("unread")).to_have_text("5")
