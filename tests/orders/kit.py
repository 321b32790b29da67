"""The orders app's kit: a factory for orders (with their lines), valid data
for their steps, what their steps do, and a crowd for the query bounds."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import factory

from orders.models import Order, OrderLine
from tests.factories import CustomerFactory, RecordFactory, UserFactory, in_days
from tests.kits import Crowd, ProcessKit
from tests.orders.forms_data import order_post


def add_line(order: Order, **fields: Any) -> OrderLine:
    """A line at the end of the order, its amounts and the order's computed."""
    values = {
        "product": "Stainless steel vacuum flask 500 ml",
        "spec": "VF-500",
        "unit": "pcs",
        "quantity": Decimal("100"),
        "unit_price": Decimal("12.50"),
        "tax_rate": Decimal("13"),
        **fields,
    }
    line = OrderLine(order=order, position=order.lines.count() + 1, **values)
    line.compute()
    line.save()
    order.recompute()
    return line


class OrderFactory(RecordFactory):
    """An order taken under a signed contract, with one line (CNY 1,412.50
    with tax) unless ``lines=`` says how many."""

    class Meta:
        model = Order

    customer = factory.SubFactory(CustomerFactory)
    salesperson = factory.SubFactory(UserFactory, roles=["sales"])
    created_by = factory.SelfAttribute("salesperson")
    channel = Order.Channel.CONTRACT
    customer_order_no = factory.Sequence(lambda n: f"PO-{n:05d}")
    payment_days = 60

    @classmethod
    def _create(cls, model_class: type[Order], *args: Any, **kwargs: Any) -> Order:
        lines = kwargs.pop("lines", 1)
        record = super()._create(model_class, *args, **kwargs)
        for _ in range(lines):
            add_line(record)
        return record


STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (Order, "record_confirmation"): lambda: {
        "confirmed_by": "Mr. Huang (purchasing)",
        "confirmed_on": in_days(0),
        "confirmed_via": "Called back and read the lines to him",
    },
    (Order, "send_back"): lambda: {"unclear_points": "Which colour is line 1?"},
    (Order, "issue_work_order"): lambda: {
        "bom_notes": "BOM rev. B confirmed",
        "process_notes": "Deep drawing, welding, polishing, vacuum test",
    },
    (Order, "distribute_plan"): lambda: {
        "production_plan": "Week 1 drawing, week 2 assembly",
        "planned_finish": in_days(20),
    },
    (Order, "ship"): lambda: {"delivery_note_no": "DN-2026-0042", "carrier": "SF Express"},
    (Order, "invoice"): lambda: {"invoice_no": "INV-0042", "invoice_date": in_days(0)},
    (Order, "record_payment"): lambda: {"paid_on": in_days(0)},
}

EFFECTS = {
    "record_confirmation": lambda r, u: r.signed_at is not None,
    "approve": lambda r, u: r.approved_by_id == u.pk and r.approved_at,
    "approve_refer": lambda r, u: r.approved_by_id == u.pk and r.approved_at,
    "leader_approve": lambda r, u: r.leader_approved_by_id == u.pk and r.leader_approved_at,
    "issue_internal_order": lambda r, u: r.internal_order_no.startswith("IO-"),
    "issue_work_order": lambda r, u: r.work_order_no.startswith("WO-") and r.work_order_at,
    "warehouse_in": lambda r, u: r.warehoused_at is not None,
    "ship": lambda r, u: r.shipped_at is not None,
}


def prepare(record: Order, name: str) -> None:
    """An order referred to leadership is a major one."""
    if name == "approve_refer" and not record.major:
        Order.objects.filter(pk=record.pk).update(major=True)
        record.major = True


def lines_and_amounts(record: Order) -> tuple[Any, ...]:
    return (
        record.total,
        tuple(record.lines.values_list("position", "quantity", "unit_price", "amount")),
        record.batches.count(),
    )


# Measured with 10 and 60 orders: list 10, inbox 10-11, record 16 (its lines,
# batches and the major threshold among them); the margin is smaller than the
# 10 queries a per-row lookup would add.
MAX_QUERIES = {"list": 12, "inbox": 12, "record": 19}


def orders_for_the_follower(n: int, role_user: Callable[..., Any]) -> Crowd:
    """An order follower with ``n`` orders to check, for several customers and salespeople."""
    follower = role_user("sales_assistant")
    customers = CustomerFactory.create_batch(3)
    sales = UserFactory.create_batch(3, roles=["sales"])
    records = [
        OrderFactory(state="checking", customer=customers[i % 3], salesperson=sales[i % 3])
        for i in range(n)
    ]
    return Crowd(follower, records, ["send_back", "submit_review"])


def order_create_data(owner: Any) -> dict[str, Any]:
    """The order contract form of a new order for ``owner``, one line."""
    return order_post(CustomerFactory(), owner)


KITS = [
    ProcessKit(
        model=Order,
        factory=OrderFactory,
        step_data=STEP_DATA,
        effects=EFFECTS,
        prepare=prepare,
        snapshot=lines_and_amounts,
        crowd=orders_for_the_follower,
        max_queries=MAX_QUERIES,
        list_texts=lambda r: [r.customer.name, f"{r.total:,.2f}"],
        create_data=order_create_data,
    )
]
