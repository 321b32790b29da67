"""A quotation walked in the browser from a customer's inquiry to a won order:
leadership decides to quote, sales writes the lines, operations give the
purchase price, leadership approves, sales sends it, then renegotiates a
lower price as Rev A, which leadership sees as a difference and approves;
won, the order opens with the lines. The salesperson never sees a cost."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from browser_walk import RecordPages, hand_over, in_days, sign
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from orders.models import Customer, Order, Quotation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUOTATIONS = RecordPages(r"\bQT-\d{4}-\d{4}\b", "quotation")
PASSWORD = "Walk-the-sample-2026"  # the desks' (tests/e2e/conftest.py)
MORE = {"gm": ("Gina", "General"), "ops": ("Otto", "Operations")}


@pytest.fixture
def more_users(e2e_users: dict[str, Any]) -> dict[str, Any]:
    User = get_user_model()
    for role, (first, last) in MORE.items():
        user = User.objects.create_user(
            username=role, password=PASSWORD, first_name=first, last_name=last
        )
        user.groups.add(Group.objects.get(name=role))
    Customer.objects.create(code="E2E-03", name="Riverside Water Works")
    return e2e_users


def fill_line(page: Any, **values: str) -> None:
    for name, value in values.items():
        page.fill(f'[name="lines-0-{name}"]', value)


def test_an_inquiry_is_quoted_renegotiated_as_rev_a_and_won(
    desks: Any, more_users: dict[str, Any]
) -> None:
    # Sales records the inquiry.
    sales = desks("sales")
    sales.goto("/orders/quotations/new/")
    sales.select_option("#id_kind", "inquiry")
    sales.select_option("#id_customer", label="Riverside Water Works (E2E-03)")
    sales.fill("#id_title", "Pumping station")
    sales.fill("#id_requirements", "Four pumps, 80 m³/h each")
    sales.locator("main form button[type=submit]").click()
    expect(sales.get_by_test_id("state")).to_have_text("Inquiry received")
    ref = QUOTATIONS.reference(sales)
    quotation = Quotation.objects.get(reference=ref)

    gm = desks("gm")
    hand_over(gm, ref, "Created")
    QUOTATIONS.take(gm, "quote_go", "Preparing the quotation")

    # Sales writes the line.
    sales.reload()
    sales.get_by_test_id("edit").click()
    fill_line(
        sales,
        product="Centrifugal pump",
        spec="CP-80",
        unit="set",
        quantity="4",
        unit_price="12500",
        delivery_days="30",
    )
    sales.locator('[data-testid="quotation-form"] button[type=submit]').click()
    expect(sales.get_by_test_id("total")).to_contain_text("56,500.00")

    # Operations give the purchase price and lead time, and sign for them.
    ops = desks("ops")
    ops.goto(quotation.get_absolute_url())
    ops.get_by_test_id("costs").click()
    ops.fill('[name="form-0-purchase_price"]', "9800")
    ops.fill('[name="form-0-lead_time_days"]', "21")
    ops.locator('[data-testid="cost-form"] button[type=submit]').click()
    expect(ops.get_by_test_id("total-margin")).to_contain_text("10,800.00")
    sign(ops, "Operations", "Otto Operations")

    sales.reload()
    expect(sales.get_by_test_id("lines")).not_to_contain_text("9,800.00")
    QUOTATIONS.take(sales, "quote_submit", "Review by leadership", valid_until=in_days(30))
    gm.reload()
    expect(gm.get_by_test_id("total-margin")).to_contain_text("10,800.00")
    QUOTATIONS.take(gm, "quote_approve", "Approved, to be sent")
    sales.reload()
    QUOTATIONS.take(sales, "quote_send", "Sent")
    QUOTATIONS.take(sales, "quote_negotiate", "Negotiating", comment="Asked for 5 % off")

    # The lower price is Rev A: edited, shown to leadership as a difference, approved.
    QUOTATIONS.take(sales, "quote_revise", "New revision in preparation", comment="5 % off")
    sales.get_by_test_id("edit").click()
    sales.fill('[name="lines-0-unit_price"]', "11875")
    sales.locator('[data-testid="quotation-form"] button[type=submit]').click()
    diff = sales.get_by_test_id("revision-diff")
    expect(diff).to_contain_text("Rev A")
    expect(diff).to_contain_text("12500.00")
    expect(diff).to_contain_text("11875.00")
    QUOTATIONS.take(sales, "quote_submit", "Review by leadership", valid_until=in_days(30))
    gm.reload()
    expect(gm.get_by_test_id("revision-diff")).to_contain_text("11875.00")
    desks.shoot(gm, "quotation-rev-a-review")
    QUOTATIONS.take(gm, "quote_approve", "Approved, to be sent")
    sales.reload()
    QUOTATIONS.take(sales, "quote_send", "Sent")
    expect(sales.get_by_test_id("revisions")).to_contain_text("Rev A")

    # Won: the order opens with the renegotiated line.
    sales.locator('[data-step="quote_win"]').click()
    sales.locator('[data-confirm="quote_win"]').click()
    expect(sales.locator("main h1")).to_contain_text("SO-")
    order = Order.objects.get()
    assert order.quotation.reference == ref
    assert order.lines.get().unit_price == Decimal("11875.00")
    assert order.total == Decimal("53675.00")
