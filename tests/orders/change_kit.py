"""The kit of contract changes (合同更改单), listed in ``tests/orders/kit.py``'s
``KITS``: a factory of changes of a confirmed order, valid data of their
steps, and a crowd for the query bounds."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from orders.models import (
    ChangeBatch,
    ChangeLine,
    ContractChange,
    Order,
    OrderRevision,
)
from tests.factories import CustomerFactory, RecordFactory, UserFactory, in_days
from tests.kits import Crowd, ProcessKit
from workflows.models import SignOff


class ChangeFactory(RecordFactory):
    """A change of a confirmed order (``order=``, or a new one of
    ``salesperson=``) raising the first line's unit price from 12.50 to
    13.00: only finance reviews it again."""

    class Meta:
        model = ContractChange

    requested_by = "Mr. Huang (purchasing)"
    reason = "Stainless steel surcharge agreed with the customer"

    @classmethod
    def _create(cls, model_class: type[ContractChange], *args: Any, **kwargs: Any) -> Any:
        from tests.orders.kit import OrderFactory

        order = kwargs.pop("order", None)
        if order is None:
            extra = {k: kwargs[k] for k in ("salesperson", "customer") if k in kwargs}
            order = OrderFactory(state="confirmed", **extra)
        kwargs.setdefault("customer", order.customer)
        kwargs.setdefault("salesperson", order.salesperson)
        kwargs.setdefault("created_by", UserFactory(roles=["sales_assistant"]))
        kwargs.setdefault("deposit_percent", order.deposit_percent)
        kwargs.setdefault("payment_days", order.payment_days)
        record = super()._create(model_class, *args, order=order, **kwargs)
        for line in order.lines.all():
            proposed = ChangeLine.objects.create(
                change=record,
                position=line.position,
                product=line.product,
                spec=line.spec,
                unit=line.unit,
                quantity=line.quantity,
                unit_price=Decimal("13.00") if line.position == 1 else line.unit_price,
                tax_rate=line.tax_rate,
            )
            for batch in line.batches.all():
                ChangeBatch.objects.create(
                    line=proposed, delivery_date=batch.delivery_date, quantity=batch.quantity
                )
        record.recompute()
        return record


def _confirmation() -> dict[str, Any]:
    return {
        "customer_confirmed_by": "Mr. Huang (purchasing)",
        "customer_confirmed_on": in_days(0),
        "customer_confirmed_via": "Signed change form returned by email",
    }


CHANGE_STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (ContractChange, "change_apply"): _confirmation,
    (ContractChange, "change_apply_ack"): _confirmation,
}


def change_prepare(record: ContractChange, name: str) -> None:
    """Applying with acknowledgements downstream needs a department
    downstream: when the change concerns none, a shipping notice of the
    order not yet shipped (the warehouse's), which its new price concerns."""
    from tests.orders.kit import NoticeFactory

    if name == "change_apply_ack" and not record.downstream_roles():
        NoticeFactory(order=record.order, state="draft")
        record._downstream = None  # read again


def change_snapshot(record: ContractChange) -> tuple[Any, ...]:
    order = Order.objects.get(pk=record.order_id)
    return (
        order.total,
        order.deposit_percent,
        order.payment_days,
        tuple(order.lines.values_list("position", "quantity", "unit_price", "spec")),
        OrderRevision.objects.filter(record=order).count(),
        SignOff.objects.count(),
    )


def changes_for_manager(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A marketing manager with ``n`` changes to review, of several customers
    and salespeople."""
    user = role_user("marketing_manager")
    customers = CustomerFactory.create_batch(3)
    sales = UserFactory.create_batch(3, roles=["sales"])
    records = [
        ChangeFactory(state="manager_review", customer=customers[i % 3], salesperson=sales[i % 3])
        for i in range(n)
    ]
    return Crowd(user, records, ["change_approve", "change_refuse"])


# At 100 records the inbox counts the to-do part too (a part is counted from a
# full page on): one query more than at 10. The marketing manager's inbox holds
# the satisfaction survey's parts too (2), and the promotion plans it drafts
# (1). The record page reads the proposal's and the order's delivery batches
# for the difference, and what notices in progress hold for the steps'
# conditions.
CHANGE_MAX_QUERIES = {"list": 12, "inbox": 19, "record": 29}

CHANGE_KITS = [
    ProcessKit(
        model=ContractChange,
        factory=ChangeFactory,
        step_data=CHANGE_STEP_DATA,
        effects={
            "change_approve": lambda r, u: "finance" in r.asked,
            "change_apply": lambda r, u: (
                r.applied_revision is not None
                and r.order.lines.get(position=1).unit_price == Decimal("13.00")
            ),
            "change_apply_ack": lambda r, u: (
                r.applied_revision is not None and r.acknowledging == ["warehouse"]
            ),
        },
        prepare=change_prepare,
        snapshot=change_snapshot,
        crowd=changes_for_manager,
        max_queries=CHANGE_MAX_QUERIES,
        list_texts=lambda r: [r.customer.name, r.order.reference],
    ),
]
