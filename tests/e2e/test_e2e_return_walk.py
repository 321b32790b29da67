"""A customer return walked in the browser: sales registers it from the
shipped batch's page, QA accepts it for a credit note, finance issues the
credit note against the batch's invoice, whose balance falls by exactly the
return's value; the inspection result prints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from browser_walk import RecordPages, hand_over, in_days
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Customer, Invoice, Order, OrderLine, ShippingLine, ShippingNotice
from workflows.services import record_start

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RETURNS = RecordPages(r"\bRT-\d{4}-\d{4}\b", "customer return")
PASSWORD = "Walk-the-sample-2026"  # the desks' (tests/e2e/conftest.py)


def _day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def invoiced(e2e_users: dict[str, Any]) -> Invoice:
    """A shipped batch of 200 pots (CNY 8,023.00 with tax), invoiced and unpaid."""
    finance = get_user_model().objects.create_user(
        username="finance", password=PASSWORD, first_name="Fay", last_name="Finance"
    )
    finance.groups.add(Group.objects.get(name="finance"))
    sales = e2e_users["sales"]
    customer = Customer.objects.create(code="E2E-03", name="Lakeside Housewares Ltd.")
    order = record_start(
        record=Order(
            state="shipped",
            customer=customer,
            salesperson=sales,
            channel=Order.Channel.CONTRACT,
            payment_days=30,
        ),
        user=sales,
    )
    line = OrderLine(
        order=order,
        position=1,
        product="Enamel pot 24 cm",
        unit="pcs",
        quantity=Decimal("200"),
        unit_price=Decimal("35.50"),
        tax_rate=Decimal("13"),
    )
    line.compute()
    line.save()
    order.recompute()
    notice = record_start(
        record=ShippingNotice(
            state="shipped",
            order=order,
            customer=customer,
            salesperson=sales,
            ship_date=_day(0),
            delivery_note_no="DN-9001",
        ),
        user=e2e_users["sales_assistant"],
    )
    row = ShippingLine(notice=notice, order_line=line, quantity=Decimal("200"))
    row.compute(line)
    row.save()
    ShippingNotice.objects.filter(pk=notice.pk).update(amount=row.amount)
    return record_start(
        record=Invoice(
            order=order,
            notice=notice,
            customer=customer,
            salesperson=sales,
            invoice_no="44039001",
            invoice_date=_day(0),
            currency="CNY",
            amount=row.amount,
            due_date=_day(30),
        ),
        user=finance,
    )


def test_a_return_is_credited_against_the_batchs_invoice(desks: Any, invoiced: Invoice) -> None:
    sales = desks("sales")
    sales.goto(invoiced.notice.get_absolute_url())
    sales.get_by_test_id("register-return").click()
    sales.fill("#id_received_on", in_days(0))
    sales.fill("#id_reason", "Chipped enamel on arrival")
    sales.fill('[name="lines-0-quantity"]', "201")
    sales.locator('[data-testid="return-form"] button[type=submit]').click()
    expect(sales.locator("main")).to_contain_text("At most 200.00 pcs of this line can be returned")
    sales.fill('[name="lines-0-quantity"]', "10")
    sales.locator('[data-testid="return-form"] button[type=submit]').click()
    expect(sales.get_by_test_id("state")).to_have_text("Registered")
    # 10 × 35.50 = 355.00, tax 46.15
    expect(sales.get_by_test_id("amount")).to_contain_text("401.15")
    ref = RETURNS.reference(sales)
    return_url = sales.url
    RETURNS.take(sales, "return_submit", "QA inspection")

    qa = desks("qa")
    hand_over(qa, ref, "Send to QA for inspection")
    qa.locator('[data-step="return_accept"]').click()
    modal = qa.locator("#step-return_accept")
    modal.locator('[name="return_accept-inspection_result"]').fill("Enamel chipped on 10 pots")
    modal.locator('[name="return_accept-inspected_on"]').fill(in_days(0))
    modal.locator('[name="return_accept-remedy"]').select_option("credit")
    modal.locator('[data-confirm="return_accept"]').click()
    expect(qa.get_by_test_id("state")).to_have_text("Accepted")

    finance = desks("finance")
    finance.goto(return_url)
    finance.locator('[data-step="return_credit"]').click()
    modal = finance.locator("#step-return_credit")
    expect(modal.locator('[name="return_credit-invoice"]')).to_have_value(str(invoiced.pk))
    modal.locator('[name="return_credit-number"]').fill("HC-9001")
    modal.locator('[name="return_credit-issued_on"]').fill(in_days(0))
    modal.locator('[data-confirm="return_credit"]').click()
    expect(finance.get_by_test_id("state")).to_have_text("Replaced or credited")
    expect(finance.get_by_test_id("credit-note")).to_contain_text("HC-9001")
    invoiced.refresh_from_db()
    assert invoiced.credited_amount == Decimal("401.15")
    assert invoiced.balance == Decimal("7621.85")  # 8,023.00 less 401.15

    with qa.expect_popup() as printed:
        qa.goto(return_url)
        qa.get_by_test_id("print").click()
    page = printed.value
    expect(page.locator("h1")).to_contain_text("Customer return inspection result")
    expect(page.locator("body")).to_contain_text("Accepted: Credit note")
