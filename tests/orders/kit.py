"""The orders app's kit: a factory for orders (with their lines), valid data
for their steps, what their steps do, and a crowd for the query bounds."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import factory

from orders.models import Customer, Invoice, Order, OrderLine, ShippingLine, ShippingNotice
from tests.factories import CustomerFactory, RecordFactory, UserFactory, in_days
from tests.kits import Crowd, ProcessKit
from tests.orders.forms_data import order_post
from workflows.services import record_start


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


class NoticeFactory(RecordFactory):
    """A shipping notice of a warehoused order for 10 of its first line
    (CNY 141.25 with tax); ``salesperson=`` is also the order's."""

    class Meta:
        model = ShippingNotice

    ship_date = factory.LazyFunction(lambda: in_days(3))
    delivery_address = "Guangzhou, Kexun Road 88"

    @classmethod
    def _create(cls, model_class: type[ShippingNotice], *args: Any, **kwargs: Any) -> Any:
        order = kwargs.pop("order", None)
        quantity = kwargs.pop("quantity", Decimal("10"))
        if order is None:
            extra = {"salesperson": kwargs["salesperson"]} if "salesperson" in kwargs else {}
            order = OrderFactory(state="warehoused", **extra)
        kwargs.setdefault("customer", order.customer)
        kwargs.setdefault("salesperson", order.salesperson)
        kwargs.setdefault("created_by", order.salesperson)
        notice = super()._create(model_class, *args, order=order, **kwargs)
        line = order.lines.first()
        row = ShippingLine(notice=notice, order_line=line, quantity=quantity)
        row.compute(line)
        row.save()
        notice.amount = row.amount
        ShippingNotice.objects.filter(pk=notice.pk).update(amount=row.amount)
        return notice


class InvoiceFactory(RecordFactory):
    """An invoice of a shipped order for all of it, due in 30 days."""

    class Meta:
        model = Invoice

    invoice_no = factory.Sequence(lambda n: f"4403{n:06d}")
    invoice_date = factory.LazyFunction(lambda: in_days(0))
    due_date = factory.LazyFunction(lambda: in_days(30))
    currency = "CNY"

    @classmethod
    def _create(cls, model_class: type[Invoice], *args: Any, **kwargs: Any) -> Any:
        order = kwargs.pop("order", None)
        if order is None:
            extra = {"salesperson": kwargs["salesperson"]} if "salesperson" in kwargs else {}
            order = OrderFactory(state="shipped", **extra)
        kwargs.setdefault("customer", order.customer)
        kwargs.setdefault("salesperson", order.salesperson)
        kwargs.setdefault("created_by", order.salesperson)
        kwargs.setdefault("amount", order.total)
        return super()._create(model_class, *args, order=order, **kwargs)


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
    (ShippingNotice, "notice_ship"): lambda: {
        "delivery_note_no": "DN-2026-0042",
        "carrier": "SF Express",
        "shipped_on": in_days(0),
    },
    (ShippingNotice, "notice_delivered"): lambda: {
        "received_by": "Mr. Huang",
        "received_on": in_days(0),
    },
    (Invoice, "record_payment"): lambda: {
        "paid_on": in_days(0),
        "amount": Decimal("100.00"),
        "bank_reference": "BOC 8812",
    },
    (Invoice, "log_contact"): lambda: {
        "contacted_on": in_days(0),
        "how": "phone",
        "contact_person": "Mr. Huang",
        "note": "Called about the invoice; payment is being approved.",
        "promised_on": in_days(10),
    },
}

EFFECTS = {
    "record_confirmation": lambda r, u: r.signed_at is not None,
    "approve": lambda r, u: r.approved_by_id == u.pk and r.approved_at,
    "approve_refer": lambda r, u: r.approved_by_id == u.pk and r.approved_at,
    "leader_approve": lambda r, u: r.leader_approved_by_id == u.pk and r.leader_approved_at,
    "issue_internal_order": lambda r, u: r.internal_order_no.startswith("IO-"),
    "issue_work_order": lambda r, u: r.work_order_no.startswith("WO-") and r.work_order_at,
    "warehouse_in": lambda r, u: r.warehoused_at is not None,
}


def ship_part(order: Order, *, whole: bool, state: str = "shipped") -> ShippingNotice:
    """A notice of ``order`` in ``state`` for its first line, all of it or 1."""
    notice = NoticeFactory.build(order=order, state=state)
    notice.customer_id, notice.salesperson_id = order.customer_id, order.salesperson_id
    notice.created_by = order.salesperson
    record_start(record=notice, user=order.salesperson)
    for line in order.lines.all():
        row = ShippingLine(
            notice=notice, order_line=line, quantity=line.quantity if whole else Decimal("1")
        )
        row.compute(line)
        row.save()
        if not whole:
            break
    return notice


def prepare(record: Order, name: str) -> None:
    """An order referred to leadership is a major one; the steps its notices
    and invoices take need them shipped and paid."""
    if name == "approve_refer" and not record.major:
        Order.objects.filter(pk=record.pk).update(major=True)
        record.major = True
    if name == "batch_shipped":
        ship_part(record, whole=False)
    if name == "all_shipped":
        ship_part(record, whole=True)
    if name == "mark_paid":
        ship_part(record, whole=True, state="delivered")
        InvoiceFactory(order=record, amount=record.total, paid_amount=record.total, state="paid")


def lines_and_amounts(record: Order) -> tuple[Any, ...]:
    return (
        record.total,
        tuple(record.lines.values_list("position", "quantity", "unit_price", "amount")),
        record.batches.count(),
    )


# Measured with 10 and 100 orders: list 10, inbox 12-13 (each process the
# order follower acts in, read for what is to do and for what waits on others),
# record 16 (its lines, batches and the major threshold among them); the margin
# is smaller than the 10 queries a per-row lookup would add. Contract changes
# add their own part (two queries for the salesperson who owns them).
MAX_QUERIES = {"list": 12, "inbox": 17, "record": 19}
# Measured with 10 and 100 records: notices list 11, inbox 11-12, record 16
# (its lines and the customer's credit among them); invoices list 11, inbox
# 11-12, record 15 (payments and contacts).
NOTICE_MAX_QUERIES = {"list": 12, "inbox": 15, "record": 18}
INVOICE_MAX_QUERIES = {"list": 12, "inbox": 15, "record": 17}


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


def prepare_notice(record: ShippingNotice, name: str) -> None:
    """Finance approves within the credit limit, or over it."""
    limit = Decimal("0") if name == "notice_approve_over_limit" else Decimal("1000000")
    Customer.objects.filter(pk=record.customer_id).update(credit_limit=limit)


def prepare_invoice(record: Invoice, name: str) -> None:
    """An invoice is settled once its balance is paid."""
    if name == "settle":
        Invoice.objects.filter(pk=record.pk).update(paid_amount=record.amount)
        record.paid_amount = record.amount


def notice_lines(record: ShippingNotice) -> tuple[Any, ...]:
    return (record.amount, tuple(record.lines.values_list("order_line_id", "quantity")))


def invoice_money(record: Invoice) -> tuple[Any, ...]:
    return (
        record.amount,
        record.paid_amount,
        record.payments.count(),
        record.contacts.count(),
    )


def notices_for_finance(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A finance user with ``n`` notices to review, of several orders and customers."""
    user = role_user("finance")
    customers = CustomerFactory.create_batch(3, credit_limit=Decimal("1000000"))
    sales = UserFactory.create_batch(3, roles=["sales"])
    records = [
        NoticeFactory(
            state="finance_review",
            order=OrderFactory(
                state="shipping", customer=customers[i % 3], salesperson=sales[i % 3]
            ),
        )
        for i in range(n)
    ]
    return Crowd(user, records, ["notice_approve", "notice_approve_over_limit", "notice_hold"])


def invoices_for_finance(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A finance user with ``n`` open invoices, of several orders and customers."""
    user = role_user("finance")
    customers = CustomerFactory.create_batch(3)
    sales = UserFactory.create_batch(3, roles=["sales"])
    records = [
        InvoiceFactory(
            order=OrderFactory(state="shipped", customer=customers[i % 3], salesperson=sales[i % 3])
        )
        for i in range(n)
    ]
    return Crowd(user, records, ["record_payment", "log_contact", "settle", "invoice_cancel"])


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
    ),
    ProcessKit(
        model=ShippingNotice,
        factory=NoticeFactory,
        step_data=STEP_DATA,
        effects={
            "notice_approve": lambda r, u: not r.over_limit,
            "notice_approve_over_limit": lambda r, u: r.over_limit,
        },
        prepare=prepare_notice,
        snapshot=notice_lines,
        crowd=notices_for_finance,
        max_queries=NOTICE_MAX_QUERIES,
        list_texts=lambda r: [r.customer.name, r.order.reference],
    ),
    ProcessKit(
        model=Invoice,
        factory=InvoiceFactory,
        step_data=STEP_DATA,
        effects={
            "record_payment": lambda r, u: (
                r.payments.filter(recorded_by=u).exists() and r.paid_amount == Decimal("100.00")
            ),
            "log_contact": lambda r, u: r.contacts.filter(recorded_by=u).exists(),
        },
        prepare=prepare_invoice,
        snapshot=invoice_money,
        crowd=invoices_for_finance,
        max_queries=INVOICE_MAX_QUERIES,
        list_texts=lambda r: [r.invoice_no, r.customer.name],
    ),
]


from tests.orders.change_kit import CHANGE_KITS  # noqa: E402
from tests.orders.return_kit import RETURN_KITS  # noqa: E402
from tests.orders.supply_kit import SUPPLY_KITS  # noqa: E402

KITS += RETURN_KITS + SUPPLY_KITS + CHANGE_KITS
