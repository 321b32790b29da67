"""Delivery batches and dates (交货批次) in a contract change: proposed with
the lines, checked against them, reviewed again by PMC, applied to the order
and kept in each revision, whose difference names them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from orders.change_forms import ChangeProposal
from orders.models import ContractChange, DeliveryBatch, Order, OrderRevision
from tests.factories import in_days
from tests.orders.kit import OrderFactory
from tests.orders.test_changes import CONFIRMATION, draft, post_data, with_line
from workflows.revisions import snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def with_batches(data: dict[str, Any], rows: list[tuple[int, Any, str]]) -> dict[str, Any]:
    """The change page's post with its delivery batches (line, date, quantity)."""
    data = {
        **data,
        "batches-TOTAL_FORMS": str(len(rows)),
        "batches-INITIAL_FORMS": "0",
        "batches-MIN_NUM_FORMS": "0",
        "batches-MAX_NUM_FORMS": "1000",
    }
    for i, (line, day, quantity) in enumerate(rows):
        data[f"batches-{i}-line"] = str(line)
        data[f"batches-{i}-delivery_date"] = day.isoformat()
        data[f"batches-{i}-quantity"] = quantity
    return data


@pytest.fixture
def batched(walker, role_user) -> Order:
    """A reviewed order whose first line ships in two batches of 50."""
    order = OrderFactory(lines=2, salesperson=role_user("sales"))
    line = order.lines.get(position=1)
    for days in (30, 60):
        DeliveryBatch.objects.create(
            order=order, line=line, delivery_date=in_days(days), quantity=Decimal("50")
        )
    return walker(order, "confirmed")


def test_the_change_page_offers_the_orders_batches(batched, role_user, client_for):
    client = client_for(role_user("sales_assistant"))
    page = client.get(f"/orders/changes/new/?order={batched.pk}")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="change-batches"' in text
    assert in_days(30).isoformat() in text and in_days(60).isoformat() in text


def test_a_later_delivery_date_is_reviewed_by_pmc_and_kept_in_the_revisions(
    batched, walker, role_user
):
    order = batched
    data = with_batches(post_data(order), [(1, in_days(30), "50"), (1, in_days(75), "50")])
    change = draft(order, role_user("sales_assistant"), data)
    assert change.changed_items() == {"batches"}
    assert change.asked_departments() == ("pmc",)
    found = change.difference()
    assert [(line.key, [c.label for c in line.changes]) for line in found.lines] == [
        (1, ["delivery batches"])
    ]
    assert in_days(75).isoformat() in found.lines[0].changes[0].new

    change = walker.walk(
        change,
        ["change_submit", "change_approve", "change_to_customer", ("change_apply", CONFIRMATION)],
    )

    assert change.state == "applied"
    assert sorted(
        Order.objects.get(pk=order.pk).batches.values_list("delivery_date", flat=True)
    ) == [in_days(30), in_days(75)]
    original, rev_a = OrderRevision.objects.filter(record=order).order_by("number")
    assert [row[0] for row in original.snapshot["lines"][0]["batches"]] == [
        in_days(30).isoformat(),
        in_days(60).isoformat(),
    ]
    assert rev_a.snapshot == snapshot(Order.objects.get(pk=order.pk))
    changed = rev_a.diff_from(original)
    assert [c.name for c in changed.lines[0].changes] == ["batches"]


def test_a_price_change_keeps_the_batches(batched, walker, role_user):
    order = batched
    change = draft(
        order,
        role_user("sales_assistant"),
        post_data(order, lines=with_line(order, 1, unit_price="13.00")),
    )
    assert change.changed_items() == {"unit_price", "total"}
    walker.walk(
        change,
        ["change_submit", "change_approve", "change_to_customer", ("change_apply", CONFIRMATION)],
    )
    assert Order.objects.get(pk=order.pk).batches.count() == 2


def test_batches_beyond_the_lines_quantity_or_of_no_line_are_refused(batched, role_user):
    order = batched
    over = ChangeProposal(
        order, with_batches(post_data(order), [(1, in_days(30), "60"), (1, in_days(60), "50")])
    )
    assert not over.is_valid()
    assert "add up to 110, more than its quantity 100" in str(over.batch_rows.non_form_errors())
    nowhere = ChangeProposal(order, with_batches(post_data(order), [(7, in_days(30), "5")]))
    assert not nowhere.is_valid()
    assert "There is no line 7" in str(nowhere.batch_rows.forms[0].errors["line"])
    # A lower quantity takes its batches with it, or is refused.
    lower = ChangeProposal(
        order,
        with_batches(
            post_data(order, lines=with_line(order, 1, quantity="80")),
            [(1, in_days(30), "50"), (1, in_days(60), "50")],
        ),
    )
    assert not lower.is_valid()
    assert not ContractChange.objects.exists()
