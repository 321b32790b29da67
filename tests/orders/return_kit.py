"""The kit of customer returns (客户退货), listed in ``tests/orders/kit.py``'s
``KITS``: a factory of returns of a shipped batch, valid data of their steps,
and a crowd for the query bounds."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import factory

from orders.models import CreditNote, CustomerReturn, Invoice, ReturnLine, ShippingNotice
from tests.factories import CustomerFactory, RecordFactory, UserFactory, in_days
from tests.kits import Crowd, ProcessKit

_numbers = itertools.count(1)


class ReturnFactory(RecordFactory):
    """A return of 2 of the 10 shipped of a shipped batch's first line (CNY
    28.25 with tax); ``salesperson=`` is also the order's, ``notice=`` the batch."""

    class Meta:
        model = CustomerReturn

    received_on = factory.LazyFunction(lambda: in_days(0))
    reason = "Dented lids on two flasks"

    @classmethod
    def _create(cls, model_class: type[CustomerReturn], *args: Any, **kwargs: Any) -> Any:
        from tests.orders.kit import NoticeFactory, OrderFactory

        notice = kwargs.pop("notice", None)
        quantity = kwargs.pop("quantity", Decimal("2"))
        if notice is None:
            extra = {"salesperson": kwargs["salesperson"]} if "salesperson" in kwargs else {}
            if "customer" in kwargs:
                extra["customer"] = kwargs["customer"]
            order = OrderFactory(state="shipped", **extra)
            notice = NoticeFactory(order=order, state="shipped", delivery_note_no="DN-1")
        kwargs.setdefault("order", notice.order)
        kwargs.setdefault("customer", notice.customer)
        kwargs.setdefault("salesperson", notice.salesperson)
        kwargs.setdefault("created_by", notice.salesperson)
        record = super()._create(model_class, *args, notice=notice, **kwargs)
        shipped = notice.lines.select_related("order_line").first()
        row = ReturnLine(customer_return=record, shipping_line=shipped, quantity=quantity)
        row.compute(shipped)
        row.save()
        record.amount = row.amount
        CustomerReturn.objects.filter(pk=record.pk).update(amount=row.amount)
        return record


def _open_invoice() -> int | None:
    return (
        Invoice.objects.filter(state="issued").order_by("-pk").values_list("pk", flat=True).first()
    )


RETURN_STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (CustomerReturn, "return_accept"): lambda: {
        "inspection_result": "Two lids dented in transit; vacuum intact.",
        "inspected_on": in_days(0),
        "remedy": "credit",
    },
    (CustomerReturn, "return_refuse"): lambda: {
        "inspection_result": "No defect found; the flasks pass the vacuum test.",
        "inspected_on": in_days(0),
        "refusal_reason": "The goods meet the specification.",
    },
    (CustomerReturn, "return_replace"): lambda: {"ship_date": in_days(5)},
    (CustomerReturn, "return_credit"): lambda: {
        "invoice": _open_invoice(),
        "number": f"CN-{next(_numbers):05d}",
        "issued_on": in_days(0),
    },
    (CustomerReturn, "return_tell"): lambda: {"customer_told_on": in_days(0)},
}


def prepare_return(record: CustomerReturn, name: str) -> None:
    """What each remedy needs: the remedy QA chose; an open invoice of the
    order to credit; for closing, a replacement batch that has shipped."""
    from tests.orders.kit import InvoiceFactory, NoticeFactory

    remedy = {
        "return_replace": "replacement",
        "return_credit": "credit",
        "return_close": "replacement",
    }.get(name)
    if remedy:
        CustomerReturn.objects.filter(pk=record.pk).update(remedy=remedy)
        record.remedy = remedy
    if name == "return_credit" and not record.order.invoices.filter(state="issued").exists():
        InvoiceFactory(order=record.order, notice=record.notice, amount=record.notice.amount)
    if name == "return_close":
        replacement = NoticeFactory(order=record.order, state="shipped")
        CustomerReturn.objects.filter(pk=record.pk).update(replacement=replacement)
        record.replacement = replacement


def return_snapshot(record: CustomerReturn) -> tuple[Any, ...]:
    return (
        record.amount,
        tuple(record.lines.values_list("shipping_line_id", "quantity")),
        CreditNote.objects.count(),
        ShippingNotice.objects.count(),
        tuple(Invoice.objects.order_by("pk").values_list("credited_amount", flat=True)),
    )


def returns_for_qa(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A QA inspector with ``n`` returns to inspect, of several customers and salespeople."""
    user = role_user("qa")
    customers = CustomerFactory.create_batch(3)
    sales = UserFactory.create_batch(3, roles=["sales"])
    records = [
        ReturnFactory(state="inspecting", customer=customers[i % 3], salesperson=sales[i % 3])
        for i in range(n)
    ]
    return Crowd(user, records, ["return_accept", "return_refuse"])


# The shipping notices' bounds; the contract suite checks them at 10 and 100 returns.
# At 100 the inbox counts the to-do part too (a part is counted from a full page
# on): one query more than at 10.
RETURN_MAX_QUERIES = {"list": 12, "inbox": 16, "record": 18}

RETURN_KITS = [
    ProcessKit(
        model=CustomerReturn,
        factory=ReturnFactory,
        step_data=RETURN_STEP_DATA,
        effects={
            "return_replace": lambda r, u: (
                r.replacement is not None and r.replacement.state == "draft"
            ),
            "return_credit": lambda r, u: (
                r.credit_note.amount == r.amount and r.invoice.credited_amount == r.amount
            ),
        },
        prepare=prepare_return,
        snapshot=return_snapshot,
        crowd=returns_for_qa,
        max_queries=RETURN_MAX_QUERIES,
        list_texts=lambda r: [r.customer.name, r.notice.reference],
    ),
]
