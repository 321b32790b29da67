"""A contract change walked in the browser: the order follower raises a
line's price and the payment days of a confirmed order, the marketing
manager approves, and only finance reviews again; technical, PMC and QA's
approvals from the contract review show as carried forward. The customer's
confirmation applies it as the order's Rev A."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from browser_walk import RecordPages, in_days, sign
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from orders.models import ContractChange, Customer, Order, OrderLine, OrderRevision
from workflows.models import SignOff
from workflows.services import record_start
from workflows.walker import Walker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHANGES = RecordPages(r"\bCC-\d{4}-\d{4}\b", "contract change")
PASSWORD = "Walk-the-sample-2026"  # the desks' (tests/e2e/conftest.py)
REVIEWERS = {
    "tech": ("Tess", "Technician"),
    "pmc": ("Pat", "Planner"),
    "finance": ("Fay", "Finance"),
    "marketing_manager": ("Mona", "Manager"),
}


@pytest.fixture
def confirmed(e2e_users: dict[str, Any]) -> Order:
    """An order of 200 pots at 35.50, 60 days, confirmed through a real
    contract review by technical, PMC, QA and finance."""
    users = dict(e2e_users)
    for role, (first, last) in REVIEWERS.items():
        user = get_user_model().objects.create_user(
            username=role, password=PASSWORD, first_name=first, last_name=last
        )
        user.groups.add(Group.objects.get(name=role))
        users[role] = user
    customer = Customer.objects.create(code="E2E-05", name="Lakeside Housewares Ltd.")
    order = record_start(
        record=Order(
            customer=customer,
            salesperson=users["sales"],
            channel=Order.Channel.CONTRACT,
            payment_days=60,
        ),
        user=users["sales"],
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
    return Walker(user_for=users.__getitem__)(order, "confirmed")


def test_a_price_and_payment_change_is_reviewed_again_by_finance_alone(
    desks: Any, confirmed: Order
) -> None:
    assistant = desks("sales_assistant")
    assistant.goto(confirmed.get_absolute_url())
    assistant.get_by_test_id("new-change").click()
    form = assistant.get_by_test_id("change-form")
    form.locator('[name="requested_by"]').fill("Mr. Huang (purchasing)")
    form.locator('[name="reason"]').fill("Steel surcharge agreed; 30 days instead of 60")
    form.locator('[name="payment_days"]').fill("30")
    form.locator('[name="form-0-unit_price"]').fill("37.00")
    form.locator("button[type=submit]").click()
    expect(assistant.get_by_test_id("state")).to_have_text("Drafted")
    difference = assistant.get_by_test_id("change-difference")
    expect(difference).to_contain_text("35.50")
    expect(difference).to_contain_text("37.00")
    ref = CHANGES.reference(assistant)
    change_url = assistant.url
    CHANGES.take(assistant, "change_submit", "Marketing manager's review")

    manager = desks("marketing_manager")
    manager.goto(change_url)
    CHANGES.take(manager, "change_approve", "Contract re-review")
    expect(manager.get_by_test_id("asked")).to_contain_text("Finance")
    expect(manager.get_by_test_id("asked")).not_to_contain_text("Technical")
    # The other departments' approvals from the contract review, carried forward.
    signoffs = manager.get_by_test_id("signoffs")
    expect(signoffs.locator("li", has_text="Technical department")).to_contain_text("Tess")
    expect(signoffs.locator("li", has_text="PMC")).to_contain_text("Pat")
    expect(signoffs.locator("li", has_text="Quality department")).to_contain_text("Quinn")
    expect(signoffs.locator("li", has_text="Finance")).to_contain_text("waiting")
    expect(manager.get_by_test_id("timeline")).to_contain_text("Carried forward")

    finance = desks("finance")
    finance.goto("/")
    expect(finance.get_by_test_id("inbox")).to_contain_text(ref)
    finance.goto(change_url)
    sign(finance, "Finance", "Fay")
    # Technical, PMC and QA have nothing to sign on this change.
    for role in ("tech", "pmc", "qa"):
        page = desks(role)
        page.goto(change_url)
        expect(page.get_by_test_id("signoffs").get_by_test_id("sign")).to_have_count(0)

    assistant.goto(change_url)
    CHANGES.take(assistant, "change_to_customer", "Customer's confirmation")
    CHANGES.take(
        assistant,
        "change_apply",
        "Applied",
        customer_confirmed_by="Mr. Huang",
        customer_confirmed_on=in_days(0),
        customer_confirmed_via="Signed change form returned by email",
    )
    expect(assistant.get_by_test_id("revision")).to_have_text("Rev A")

    change = ContractChange.objects.get()
    assert change.asked == ["finance"]
    signed = SignOff.objects.filter(object_id=change.pk, state="re_review")
    assert {s.role: s.user.username for s in signed} == {
        "tech": "tech",
        "pmc": "pmc",
        "qa": "qa",
        "finance": "finance",
    }
    assert signed.filter(comment__startswith="Carried forward").count() == 3
    order = Order.objects.get(pk=confirmed.pk)
    assert order.payment_days == 30
    assert order.lines.get().unit_price == Decimal("37.00")
    # The original as approved in contract review, then Rev A.
    assert [r.number for r in OrderRevision.objects.filter(record=order)] == [0, 1]
