"""The samples app's kit: factories for sample orders and PS/PPS boards, valid
data for their steps, what their steps do, and their crowds for the query
bounds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import factory

from samples.models import Board, SampleOrder
from tests.factories import CustomerFactory, RecordFactory, UserFactory, in_days
from tests.kits import Crowd, ProcessKit


class SampleOrderFactory(RecordFactory):
    class Meta:
        model = SampleOrder

    customer = factory.SubFactory(CustomerFactory)
    salesperson = factory.SubFactory(UserFactory, roles=["sales"])
    created_by = factory.SelfAttribute("salesperson")
    product_name = factory.Sequence(lambda n: f"Product {n:05d}")
    quantity = 2
    requirements = "Match the colour card; pack in pairs."
    materials = "One drawing, one colour card"
    due_date = factory.LazyFunction(lambda: in_days(14))


class BoardFactory(RecordFactory):
    class Meta:
        model = Board

    kind = Board.Kind.PS
    customer = factory.SubFactory(CustomerFactory)
    salesperson = factory.SubFactory(UserFactory, roles=["sales"])
    created_by = factory.SelfAttribute("salesperson")
    product_name = factory.Sequence(lambda n: f"Product {n:05d}")
    customer_order_no = factory.Sequence(lambda n: f"PO-{n:05d}")
    requirements = "As the order; colour per the approved card."
    due_date = factory.LazyFunction(lambda: in_days(7))


# The steps' own fields; every step also gets a comment (some require one).
STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (SampleOrder, "issue_work_order"): lambda: {
        "quantity": 3,
        "due_date": in_days(10),
        "production_plan": "Cut, assemble, coat, inspect",
    },
    (SampleOrder, "outsource"): lambda: {
        "outsource_vendor": "Foshan Coating Works",
        "outsource_process": "Spray coating",
        "outsource_return_date": in_days(5),
    },
    (SampleOrder, "release_with_delivery_note"): lambda: {"delivery_note_no": "DN-2026-118"},
    (SampleOrder, "send_by_courier"): lambda: {
        "courier": "SF Express",
        "tracking_no": "SF1234567890",
    },
    (SampleOrder, "approve"): lambda: {"customer_feedback": "Good to go for mass production."},
    (SampleOrder, "reject"): lambda: {"customer_feedback": "Colour too dark; bubbles at the edge."},
    (SampleOrder, "reorder"): lambda: {
        "due_date": in_days(12),
        "changes": "Lighter coating colour",
    },
    (Board, "record_signature"): lambda: {"customer_signatory": "Ms. Lin", "signed_on": in_days(0)},
    (Board, "record_rejection"): lambda: {"rejection_reason": "Wrong size of the logo."},
    (Board, "remake"): lambda: {"due_date": in_days(9)},
}

SAMPLE_EFFECTS = {
    "issue_work_order": lambda r, u: r.order_clerk_id == u.pk and r.work_order_issued_at,
    "start_production": lambda r, u: r.production_started_at is not None,
    "pass_inspection": lambda r, u: r.inspected_by_id == u.pk and r.inspected_at,
    "fail_inspection": lambda r, u: r.inspected_by_id == u.pk and r.rework_count == 1,
    "receive_into_store": lambda r, u: r.stored_at is not None,
    "release_with_delivery_note": lambda r, u: (
        r.dispatch_method == "delivery_note" and r.dispatched_at
    ),
    "send_by_courier": lambda r, u: r.dispatch_method == "courier" and r.dispatched_at,
    "confirm_delivery": lambda r, u: r.delivered_at is not None,
    "approve": lambda r, u: r.feedback_at is not None,
    "reject": lambda r, u: r.feedback_at is not None,
    "reorder": lambda r, u: SampleOrder.objects.filter(previous_round=r, round=2).exists(),
}

BOARD_EFFECTS = {
    "submit": lambda r, u: r.submitted_at is not None,
    "remake": lambda r, u: r.round == 2,
}

# One bound per page, the same for every number of records. Measured: list 9,
# inbox 11-12 (the user's roles, each process the user acts in read once for
# what is to do and once for what waits on others, a count query once there
# are more than a part shows), record 12; the margin is smaller than the 10
# queries a per-row lookup would add; the orders' contract changes add their
# part (two queries for a salesperson).
MAX_QUERIES = {"list": 12, "inbox": 17, "record": 15}


def requests_for_the_clerk(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A sales assistant with ``n`` requests waiting for a work order, spread
    over several customers and salespeople."""
    clerk = role_user("sales_assistant")
    customers = CustomerFactory.create_batch(3)
    sales = UserFactory.create_batch(3, roles=["sales"])
    records = [
        SampleOrderFactory(customer=customers[i % 3], salesperson=sales[i % 3]) for i in range(n)
    ]
    return Crowd(clerk, records, ["issue_work_order"])


def boards_for_the_sample_room(n: int, role_user: Callable[..., Any]) -> Crowd:
    """The sample room with ``n`` boards to make, for several customers and salespeople."""
    room = role_user("sample_room")
    customers = CustomerFactory.create_batch(3)
    sales = UserFactory.create_batch(3, roles=["sales"])
    records = [BoardFactory(customer=customers[i % 3], salesperson=sales[i % 3]) for i in range(n)]
    return Crowd(room, records, ["finish"])


def sample_create_data(owner: Any) -> dict[str, Any]:
    return {
        "customer": CustomerFactory().pk,
        "salesperson": owner.pk,
        "product_name": "Insulated lunch box",
        "quantity": 4,
        "requirements": "Two colours, logo printed on the lid.",
        "due_date": in_days(15).isoformat(),
    }


def board_create_data(owner: Any) -> dict[str, Any]:
    return {
        "kind": Board.Kind.PPS,
        "customer": CustomerFactory().pk,
        "customer_order_no": "PO-2026-77",
        "salesperson": owner.pk,
        "product_name": "Insulated lunch box",
        "requirements": "As the order.",
        "due_date": in_days(10).isoformat(),
    }


KITS = [
    ProcessKit(
        model=SampleOrder,
        factory=SampleOrderFactory,
        step_data=STEP_DATA,
        effects=SAMPLE_EFFECTS,
        crowd=requests_for_the_clerk,
        max_queries=MAX_QUERIES,
        create_data=sample_create_data,
    ),
    ProcessKit(
        model=Board,
        factory=BoardFactory,
        step_data=STEP_DATA,
        effects=BOARD_EFFECTS,
        crowd=boards_for_the_sample_room,
        max_queries=MAX_QUERIES,
        create_data=board_create_data,
    ),
]
