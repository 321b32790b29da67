"""Demo customers and orders in several states, made through the engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from workflows.models import EscalationRule, SignOff
from workflows.services import record_start, signoff_record, transition_perform
from workflows.walker import PathItem, SignAll, Walker

from . import change_demo, quotation_demo, return_demo, supply_demo
from .models import (
    Customer,
    CustomerContact,
    DeliveryBatch,
    Invoice,
    MajorOrderThreshold,
    Order,
    OrderLine,
    ShippingNotice,
)
from .services import invoice_create, notice_create

# (code, name, contact, phone, tax number, bank, account, credit limit, deposit %, days)
CUSTOMERS = [
    (
        "C001",
        "华南电器有限公司",
        "黄先生",
        "020-8888 1234",
        "91440101MA59A1B2C3",
        "中国银行广州天河支行",
        "6217 8566 0001 2345",
        "800000",
        None,
        60,
    ),
    (
        "C002",
        "Northwind Trading Ltd.",
        "Ms. Carter",
        "+44 20 7946 0000",
        "GB 123 4567 89",
        "HSBC London",
        "GB29 NWBK 6016 1331 9268 19",
        "300000",
        "30",
        45,
    ),
    (
        "C003",
        "东方家居集团",
        "林小姐",
        "0755-2666 5678",
        "91440300MA5F7X8Y9Z",
        "招商银行深圳分行",
        "7559 0123 4567 890",
        "500000",
        "20",
        30,
    ),
]

CONTACTS = {
    "C001": [("黄先生", "采购经理", "020-8888 1234"), ("陈小姐", "跟单", "020-8888 1240")],
    "C002": [("Ms. Carter", "Buyer", "+44 20 7946 0000")],
    "C003": [("林小姐", "采购主管", "0755-2666 5678")],
}

# (product, spec, unit, quantity, unit price, tax rate)
LINES = [
    [
        ("不锈钢保温杯", "VF-500 500ml", "只", "2000", "28.50", "13"),
        ("保温杯礼盒", "GB-2", "个", "2000", "3.20", "13"),
    ],
    [("Bamboo cutting board", "BC-3040", "pcs", "1200", "6.85", "0")],
    [
        ("户外折叠椅", "FC-01 军绿", "把", "800", "96.00", "13"),
        ("收纳袋", "FC-BAG", "个", "800", "4.50", "13"),
    ],
    [("智能电表外壳", "A 型 ABS", "套", "50000", "12.36", "13")],
]


def _soon(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


FIELDS: dict[str, Any] = {
    "record_confirmation": lambda: {
        "confirmed_by": "黄先生",
        "confirmed_on": timezone.localdate(),
        "confirmed_via": "电话回复确认，逐项复述订单内容",
    },
    "issue_work_order": lambda: {
        "bom_notes": "BOM 第 B 版已确认",
        "process_notes": "拉伸 → 焊接 → 抛光 → 真空检测 → 包装",
    },
    "distribute_plan": lambda: {
        "production_plan": "第一周备料，第二周生产，第三周包装",
        "planned_finish": _soon(20),
    },
    "notice_ship": lambda: {
        "delivery_note_no": "SH-2026-0201",
        "carrier": "顺丰速运",
        "shipped_on": timezone.localdate(),
    },
    "notice_delivered": lambda: {"received_by": "黄先生", "received_on": timezone.localdate()},
}


def _fields(model: type, name: str) -> dict[str, Any]:
    return FIELDS[name]() if name in FIELDS else {}


REVIEWED: list[PathItem] = [
    "submit",
    "submit_review",
    SignAll({"finance": "", "tech": "", "pmc": "", "qa": ""}),
    "submit_approval",
]


@dataclass(frozen=True)
class Conditions:
    """A point of a demo path where a department approves with conditions."""

    role: str
    text: str


# (customer, lines, channel, marked major, path)
ORDERS: list[tuple[int, int, str, bool, list[PathItem | Conditions]]] = [
    (0, 0, Order.Channel.PHONE, False, []),
    (1, 1, Order.Channel.MAIL, False, ["submit"]),
    (2, 2, Order.Channel.CONTRACT, False, ["submit", "submit_review"]),
    (
        0,
        0,
        Order.Channel.QUOTATION,
        False,
        [
            "submit",
            "submit_review",
            Conditions("finance", "预付 30% 订金后方可安排生产"),
            Conditions("pmc", "分两批交货，首批 1000 只"),
            SignAll(""),
            "submit_approval",
        ],
    ),
    (2, 3, Order.Channel.CONTRACT, False, [*REVIEWED, "approve_refer"]),
    (
        1,
        1,
        Order.Channel.FAX,
        False,
        [
            (
                "record_confirmation",
                {"confirmed_by": "Ms. Carter", "confirmed_via": "Fax countersigned"},
            ),
            *REVIEWED,
            "approve",
            "issue_internal_order",
            "issue_work_order",
        ],
    ),
    (
        0,
        0,
        Order.Channel.CONTRACT,
        False,
        [
            *REVIEWED,
            "approve",
            "issue_internal_order",
            "issue_work_order",
            "distribute_plan",
        ],
    ),
    (
        2,
        2,
        Order.Channel.CONTRACT,
        False,
        [
            *REVIEWED,
            "approve",
            "issue_internal_order",
            "issue_work_order",
            "distribute_plan",
            "warehouse_in",
        ],
    ),
    (
        0,
        0,
        Order.Channel.CONTRACT,
        False,
        [
            *REVIEWED,
            "approve",
            "issue_internal_order",
            "issue_work_order",
            "distribute_plan",
            "warehouse_in",
        ],
    ),
    (1, 1, Order.Channel.MAIL, False, [("cancel", {"comment": "客户取消订单"})]),
]


def _customers() -> list[Customer]:
    customers = []
    for code, name, contact, phone, tax, bank, account, limit, deposit, days in CUSTOMERS:
        customer, _created = Customer.objects.get_or_create(
            code=code, defaults={"name": name, "contact": contact, "phone": phone}
        )
        customer.tax_number = customer.tax_number or tax
        customer.bank_name = customer.bank_name or bank
        customer.bank_account = customer.bank_account or account
        if not customer.credit_limit:
            customer.credit_limit = Decimal(limit)
        if customer.deposit_percent is None and customer.payment_days is None:
            customer.deposit_percent = Decimal(deposit) if deposit else None
            customer.payment_days = days
        customer.save()
        if not customer.contacts.exists():
            CustomerContact.objects.bulk_create(
                CustomerContact(customer=customer, name=n, title=t, phone=p)
                for n, t, p in CONTACTS[code]
            )
        customers.append(customer)
    return customers


def _add_lines(order: Order, lines: list[tuple[str, ...]]) -> None:
    for position, (product, spec, unit, quantity, price, tax) in enumerate(lines, start=1):
        line = OrderLine(
            order=order,
            position=position,
            product=product,
            spec=spec,
            unit=unit,
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
            tax_rate=Decimal(tax),
        )
        line.compute()
        line.save()
        half = (line.quantity / 2).quantize(Decimal("1"))
        DeliveryBatch.objects.create(order=order, line=line, delivery_date=_soon(30), quantity=half)
        DeliveryBatch.objects.create(
            order=order, line=line, delivery_date=_soon(45), quantity=line.quantity - half
        )
    order.recompute()


def load(users: dict[str, AbstractBaseUser]) -> bool:
    loaded = _orders(users)
    return quotation_demo.load(users) or loaded


def _orders(users: dict[str, AbstractBaseUser]) -> bool:
    if Order.objects.exists():
        return False
    walker = Walker(user_for=users.__getitem__, data_for=_fields)
    with transaction.atomic():
        customers = _customers()
        MajorOrderThreshold.objects.get_or_create(
            currency=Order.Currency.CNY, defaults={"amount": Decimal("500000")}
        )
        sales = users["sales"]
        for i, (customer, lines, channel, major, path) in enumerate(ORDERS):
            order = record_start(
                record=Order(
                    customer=customers[customer],
                    salesperson=sales,
                    channel=channel,
                    customer_order_no=f"PO-2026-{310 + i}",
                    currency=Order.Currency.USD if customer == 1 else Order.Currency.CNY,
                    deposit_percent=customers[customer].deposit_percent,
                    payment_days=customers[customer].payment_days,
                    major=major,
                    delivery_address="广州市天河区科韵路 88 号" if customer != 1 else "",
                ),
                user=sales,
            )
            _add_lines(order, LINES[lines])
            for item in path:
                if isinstance(item, Conditions):
                    signoff_record(
                        record=order,
                        user=users[item.role],
                        role=item.role,
                        decision=SignOff.Decision.CONDITIONAL,
                        comment=item.text,
                        seen_seq=order.step_seq,
                    )
                else:
                    order = walker.walk(order, [item])
            if i in SHIPPING:
                SHIPPING[i](order, users, walker)
        return_demo.load(users)
        supply_demo.load(users)
        change_demo.load(users)
        for role in ("finance", "sales"):
            EscalationRule.objects.get_or_create(
                role=role,
                defaults={"manager": users["marketing_manager"], "after": dt.timedelta(days=7)},
            )
    return True


def _notice(
    order: Order, users: dict[str, AbstractBaseUser], share: Decimal, days: int = 2
) -> ShippingNotice:
    """A drafted notice for ``share`` of every line of the order."""
    return notice_create(
        order=order,
        notice=ShippingNotice(ship_date=_soon(days)),
        quantities={
            line.pk: (line.quantity * share).quantize(Decimal("1")) for line in order.lines.all()
        },
        user=users["sales_assistant"],
    )


def _ship(notice: ShippingNotice, walker: Walker, number: str, delivered: bool) -> ShippingNotice:
    path: list[PathItem] = [
        "notice_submit",
        "notice_approve",
        ("notice_ship", {"delivery_note_no": number}),
    ]
    if delivered:
        path.append("notice_delivered")
    return walker.walk(notice, path)


def _invoice(
    order: Order,
    users: dict[str, AbstractBaseUser],
    number: str,
    notice: ShippingNotice | None,
    days_ago: int = 0,
) -> Invoice:
    return invoice_create(
        order=order,
        invoice=Invoice(
            invoice_no=number,
            invoice_date=timezone.localdate() - dt.timedelta(days=days_ago),
            notice=notice,
        ),
        user=users["finance"],
    )


def _pay(invoice: Invoice, users: dict[str, AbstractBaseUser], amount: Decimal) -> Invoice:
    return transition_perform(
        record=invoice,
        name="record_payment",
        user=users["finance"],
        data={"paid_on": timezone.localdate().isoformat(), "amount": str(amount), "comment": ""},
        seen_seq=invoice.step_seq,
    )


def _part_shipped(order: Order, users: dict[str, AbstractBaseUser], walker: Walker) -> None:
    """The first half shipped, delivered and invoiced (part-paid, and one
    invoice issued long ago and overdue), the second half waiting for finance."""
    Customer.objects.filter(pk=order.customer_id).update(credit_limit=Decimal("5000000"))
    first = _ship(_notice(order, users, Decimal("0.5")), walker, "SH-2026-0201", True)
    invoice = _invoice(order, users, "44031234", first, days_ago=75)
    _pay(invoice, users, (invoice.amount * Decimal("0.4")).quantize(Decimal("0.01")))
    transition_perform(
        record=Invoice.objects.get(pk=invoice.pk),
        name="log_contact",
        user=users["sales"],
        data={
            "contacted_on": timezone.localdate().isoformat(),
            "how": "phone",
            "contact_person": "林小姐",
            "note": "电话催款，客户称月底前付清余款",
            "promised_on": _soon(10).isoformat(),
            "comment": "",
        },
        seen_seq=Invoice.objects.get(pk=invoice.pk).step_seq,
    )
    second = _notice(Order.objects.get(pk=order.pk), users, Decimal("0.5"), days=5)
    walker.walk(second, ["notice_submit"])


def _shipped_and_paid(order: Order, users: dict[str, AbstractBaseUser], walker: Walker) -> None:
    """Two batches shipped and invoiced, paid in two payments, the order closed."""
    Customer.objects.filter(pk=order.customer_id).update(credit_limit=Decimal("5000000"))
    first = _ship(_notice(order, users, Decimal("0.5")), walker, "SH-2026-0188", True)
    second_share = Decimal("1")  # what is left of each line
    fresh = Order.objects.get(pk=order.pk)
    noticed = fresh.shipped_quantities(noticed=True)
    second = notice_create(
        order=fresh,
        notice=ShippingNotice(ship_date=_soon(1)),
        quantities={
            line.pk: line.quantity * second_share - noticed[line.pk] for line in fresh.lines.all()
        },
        user=users["sales_assistant"],
    )
    second = _ship(second, walker, "SH-2026-0195", False)
    one = _invoice(fresh, users, "44031100", first, days_ago=20)
    _pay(one, users, one.amount)
    two = _invoice(fresh, users, "44031101", second)
    half = (two.amount / 2).quantize(Decimal("0.01"))
    two = _pay(two, users, half)
    _pay(Invoice.objects.get(pk=two.pk), users, two.amount - half)
    walker.walk(Order.objects.get(pk=order.pk), ["close"])


# Orders (by their index in ORDERS) shipped and invoiced after their path.
SHIPPING = {7: _part_shipped, 8: _shipped_and_paid}
