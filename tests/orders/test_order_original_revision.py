"""The order's original revision is frozen when its contract is approved (by
the marketing manager, or by leadership for a major order) and reads back
exactly as approved after changes; an order approved before that gets its
original at its first change."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.models import Order, OrderRevision
from tests.orders.change_kit import ChangeFactory
from tests.orders.kit import OrderFactory
from tests.orders.test_changes import CONFIRMATION, draft, post_data, with_line
from workflows.revisions import snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_the_original_is_frozen_at_approval_and_reads_back_as_approved(walker, role_user):
    order = OrderFactory(lines=2, salesperson=role_user("sales"))
    order = walker(order, "contract_approval")
    assert not OrderRevision.objects.filter(record=order).exists()

    order = walker.take(order, "approve")

    approved = snapshot(Order.objects.get(pk=order.pk))
    original = OrderRevision.objects.get(record=order)
    assert (original.number, original.label) == (0, "Original")
    assert original.created_by == role_user("marketing_manager")
    assert original.note == "As approved in contract review."
    assert original.snapshot == approved

    # A change later is Rev A; the original still reads as approved.
    change = draft(
        order,
        role_user("sales_assistant"),
        post_data(order, lines=with_line(order, 2, unit_price="14.00"), payment_days="30"),
    )
    walker.walk(
        change,
        ["change_submit", "change_approve", "change_to_customer", ("change_apply", CONFIRMATION)],
    )
    original.refresh_from_db()
    assert original.snapshot == approved
    assert original.snapshot["fields"]["payment_days"] == 60
    assert original.snapshot["lines"][1]["unit_price"] == "12.50"
    revisions = list(OrderRevision.objects.filter(record=order).order_by("number"))
    assert [r.label for r in revisions] == ["Original", "Rev A"]
    assert revisions[1].snapshot["lines"][1]["unit_price"] == "14.00"
    found = revisions[1].diff_from(original)
    assert {c.name for c in found.fields} == {"payment_days", "total"}


def test_a_major_order_is_frozen_at_leaderships_approval(walker, role_user):
    order = OrderFactory(major=True, salesperson=role_user("sales"))
    order = walker(order, "leadership_approval")
    assert not OrderRevision.objects.filter(record=order).exists()

    order = walker.take(order, "leader_approve")

    original = OrderRevision.objects.get(record=order)
    assert original.created_by == role_user("gm")
    assert original.snapshot == snapshot(Order.objects.get(pk=order.pk))


def test_an_order_approved_without_an_original_gets_it_at_its_first_change(walker, role_user):
    order = OrderFactory(state="confirmed", salesperson=role_user("sales"))
    before = snapshot(order)
    change = ChangeFactory(order=order, state="customer")

    walker.take(change, "change_apply", CONFIRMATION)

    original, rev_a = OrderRevision.objects.filter(record=order).order_by("number")
    assert original.snapshot == before
    assert rev_a.snapshot["lines"][0]["unit_price"] == "13.00"
    assert Order.objects.get(pk=order.pk).lines.get().unit_price == Decimal("13.00")
