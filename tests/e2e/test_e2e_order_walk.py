"""An order walked in the browser from received to paid across the roles:
checked, reviewed by four departments, approved, made, shipped in a batch
with its shipping notice (approved by finance over the credit limit) and
delivery note, signed for, invoiced and paid; the delivery note printed."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from browser_walk import RecordPages, hand_over, in_days, sign
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from orders.models import Customer, Invoice, Order, OrderLine
from workflows.services import record_start

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ORDERS = RecordPages(r"\bSO-\d{4}-\d{4}\b", "order")
NOTICES = RecordPages(r"\bSN-\d{4}-\d{4}\b", "shipping notice")
INVOICES = RecordPages(r"\bIV-\d{4}-\d{4}\b", "invoice")

PASSWORD = "Walk-the-sample-2026"  # the desks' (tests/e2e/conftest.py)
MORE = {
    "tech": ("Tina", "Technical"),
    "pmc": ("Paul", "Planner"),
    "finance": ("Fay", "Finance"),
    "marketing_manager": ("Mona", "Manager"),
}


@pytest.fixture
def order(e2e_users: dict[str, Any]) -> Order:
    User = get_user_model()
    for role, (first, last) in MORE.items():
        user = User.objects.create_user(
            username=role, password=PASSWORD, first_name=first, last_name=last
        )
        user.groups.add(Group.objects.get(name=role))
    customer = Customer.objects.create(
        code="E2E-02", name="Lakeside Housewares Ltd.", credit_limit=Decimal("0")
    )
    order = record_start(
        record=Order(
            customer=customer,
            salesperson=e2e_users["sales"],
            channel=Order.Channel.CONTRACT,
            customer_order_no="PO-7731",
            payment_days=30,
        ),
        user=e2e_users["sales"],
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
    return order


def test_an_order_goes_from_received_to_paid_and_its_delivery_note_prints(
    desks: Any, order: Order, shots_dir: Any
) -> None:
    ref = order.reference
    sales = desks("sales")
    sales.goto(order.get_absolute_url())
    ORDERS.take(sales, "submit", "Being checked")

    assistant = desks("sales_assistant")
    hand_over(assistant, ref, "Submit to the order follower")
    ORDERS.take(assistant, "submit_review", "Contract review")
    for role, department in (
        ("tech", "Technical department"),
        ("pmc", "Production material control (PMC)"),
        ("qa", "Quality department"),
        ("finance", "Finance"),
    ):
        page = desks(role)
        page.goto(order.get_absolute_url())
        first, last = MORE.get(role, ("Quinn", "Inspector"))
        sign(page, department, f"{first} {last}")
    assistant.reload()
    ORDERS.take(assistant, "submit_approval", "Contract approval")
    manager = desks("marketing_manager")
    hand_over(manager, ref, "Submit for contract approval")
    ORDERS.take(manager, "approve", "Confirmed")
    assistant.reload()
    ORDERS.take(assistant, "issue_internal_order", "Engineering analysis")
    tech = desks("tech")
    tech.goto(order.get_absolute_url())
    ORDERS.take(
        tech,
        "issue_work_order",
        "Production planning",
        bom_notes="BOM rev. A",
        process_notes="Press, enamel, fire, pack",
    )
    pmc = desks("pmc")
    pmc.goto(order.get_absolute_url())
    ORDERS.take(
        pmc,
        "distribute_plan",
        "In production",
        production_plan="Week 1 press, week 2 enamel",
        planned_finish=in_days(14),
    )
    warehouse = desks("warehouse")
    warehouse.goto(order.get_absolute_url())
    ORDERS.take(warehouse, "warehouse_in", "Warehoused")

    # The order follower drafts the batch: all 200 pots.
    assistant.reload()
    assistant.get_by_test_id("new-notice").click()
    assistant.fill("#id_ship_date", in_days(2))
    assistant.fill('[name="lines-0-quantity"]', "200")
    assistant.locator('[data-testid="notice-form"] button[type=submit]').click()
    expect(assistant.get_by_test_id("state")).to_have_text("Drafted")
    notice_url = assistant.url
    NOTICES.take(assistant, "notice_submit", "Finance review")

    # Finance sees the credit limit exceeded and approves over it, with a reason.
    finance = desks("finance")
    finance.goto(notice_url)
    expect(finance.get_by_test_id("over-limit")).to_be_visible()
    desks.shoot(finance, "order-notice-finance-review")
    NOTICES.take(
        finance,
        "notice_approve_over_limit",
        "Approved for shipping",
        comment="Long-standing customer; deposit received",
    )
    warehouse.goto(notice_url)
    NOTICES.take(
        warehouse,
        "notice_ship",
        "Shipped",
        delivery_note_no="DN-7731-1",
        carrier="SF Express",
        shipped_on=in_days(0),
    )
    with warehouse.expect_popup() as popup:
        warehouse.get_by_test_id("print-delivery-note").click()
    note = popup.value
    expect(note.locator("h1")).to_contain_text("Delivery note")
    expect(note.get_by_test_id("delivery-note-no")).to_have_text("DN-7731-1")
    pdf = shots_dir / "en-order-delivery-note.pdf"
    note.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.stat().st_size > 1000
    sales.goto(notice_url)
    NOTICES.take(
        sales, "notice_delivered", "Delivered", received_by="Ms. Ho", received_on=in_days(0)
    )
    sales.goto(order.get_absolute_url())
    expect(sales.get_by_test_id("state")).to_have_text("Shipped")

    # Finance invoices the batch and records the payment in two parts.
    finance.goto(order.get_absolute_url())
    finance.get_by_test_id("new-invoice").click()
    finance.fill("#id_invoice_no", "44037731")
    finance.fill("#id_invoice_date", in_days(0))
    finance.select_option("#id_notice", index=1)
    finance.locator('[data-testid="invoice-form"] button[type=submit]').click()
    expect(finance.get_by_test_id("state")).to_have_text("Awaiting payment")
    invoice = Invoice.objects.get(invoice_no="44037731")
    assert invoice.amount == order.total == Decimal("8023.00")
    INVOICES.take(
        finance, "record_payment", "Awaiting payment", paid_on=in_days(0), amount="3000.00"
    )
    expect(finance.get_by_test_id("balance")).to_contain_text("5,023.00")
    INVOICES.take(finance, "record_payment", "Paid", paid_on=in_days(0), amount="5023.00")
    desks.shoot(finance, "order-invoice-paid")

    finance.goto(order.get_absolute_url())
    expect(finance.get_by_test_id("state")).to_have_text("Paid")
    assert re.search(r"Paid", finance.get_by_test_id("timeline").inner_text())
    order.refresh_from_db()
    assert order.state == "paid"
