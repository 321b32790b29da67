"""The sales plans' kit: a factory of monthly plans, valid data of their
steps, what their steps do, and a crowd for the query bounds."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from research.models_plans import SalesPlan, next_month
from tests.factories import CustomerFactory, RecordFactory, UserFactory
from tests.kits import Crowd, ProcessKit


def planned_month() -> Any:
    """The month being planned: next month."""
    return next_month(timezone.localdate().replace(day=1))


def months_ahead(n: int) -> Any:
    """The month ``n`` months after the one being planned."""
    month = planned_month()
    for _ in range(n):
        month = next_month(month)
    return month


class SalesPlanFactory(RecordFactory):
    """A plan of a key-account manager of its own, for a month of its own (the
    suite opens several for one owner): ``month=planned_month()`` for the one
    being planned."""

    class Meta:
        model = SalesPlan

    owner = factory.SubFactory(UserFactory, roles=["ka_manager"])
    created_by = factory.SelfAttribute("owner")
    month = factory.Sequence(lambda n: months_ahead(n % 240))


def rows(*lines: tuple[Any, str, Any, Any]) -> dict[str, Any]:
    """The plan's rows as the form posts them: (customer, product, quantity, unit price)."""
    data: dict[str, Any] = {}
    for n, (customer, product, quantity, price) in enumerate(lines, start=1):
        data.update(
            {
                f"customer_{n}": getattr(customer, "pk", customer),
                f"product_{n}": product,
                f"quantity_{n}": quantity,
                f"price_{n}": price,
            }
        )
    return data


def submit_data() -> dict[str, Any]:
    customer = CustomerFactory()
    return {
        "notes": "Two key accounts stock up before the holidays.",
        **rows(
            (customer, "Glass kettle 1.5 L", 120, "89.50"), (customer, "Rice cooker 3 L", 10, "219")
        ),
    }


STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (SalesPlan, "submit_sales_plan"): submit_data,
}

EFFECTS = {
    "submit_sales_plan": lambda r, u: (
        r.total_amount == Decimal("12930.00")
        and r.total_quantity == 130
        and list(r.lines.values_list("position", "amount"))
        == [(1, Decimal("10740.00")), (2, Decimal("2190.00"))]
    ),
}

MAX_QUERIES = {"list": 12, "inbox": 16, "record": 18}


def plans_to_approve(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A product-marketing manager with ``n`` consolidated plans of ``n`` key-account managers."""
    approver = role_user("product_marketing_manager")
    records = [SalesPlanFactory(state="review") for _ in range(n)]
    return Crowd(approver, records, ["approve_sales_plan", "reject_sales_plan"])


def create_data(owner: Any) -> dict[str, Any]:
    return {"owner": owner.pk, "month": planned_month().isoformat(), "notes": ""}


KITS = [
    ProcessKit(
        model=SalesPlan,
        factory=SalesPlanFactory,
        step_data=STEP_DATA,
        effects=EFFECTS,
        snapshot=lambda r: (
            r.total_amount,
            r.total_quantity,
            tuple(r.lines.values_list("position", "customer_id", "quantity", "amount")),
        ),
        crowd=plans_to_approve,
        max_queries=MAX_QUERIES,
        list_texts=lambda r: [r.owner.get_full_name() or r.owner.username],
        create_data=create_data,
    ),
]
