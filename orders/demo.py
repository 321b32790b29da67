"""Demo customers and orders in several states, made through the engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from workflows.models import SignOff
from workflows.services import record_start, signoff_record
from workflows.walker import PathItem, SignAll, Walker

from .models import Customer, CustomerContact, DeliveryBatch, MajorOrderThreshold, Order, OrderLine

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
    "ship": lambda: {"delivery_note_no": "SH-2026-0201", "carrier": "顺丰速运"},
    "invoice": lambda: {"invoice_no": "44031234", "invoice_date": timezone.localdate()},
    "record_payment": lambda: {"paid_on": timezone.localdate()},
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
            "ship",
            "invoice",
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
            "ship",
            "invoice",
            "record_payment",
            "close",
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
    return True
