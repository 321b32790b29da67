"""Demo sample orders and boards in several states and rounds, made through the engine."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from orders.models import Customer
from workflows.services import record_start
from workflows.walker import PathItem, SignAll, Walker

from .models import Board, SampleOrder

CUSTOMERS = [
    ("C001", "华南电器有限公司", "黄先生", "020-8888 1234"),
    ("C002", "Northwind Trading Ltd.", "Ms. Carter", "+44 20 7946 0000"),
    ("C003", "东方家居集团", "林小姐", "0755-2666 5678"),
]


# What the work order, the outsourcing, a new round, a signed board and a remade
# one are given, whatever the record.
def _soon() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=10)


FIELDS: dict[str, Any] = {
    "issue_work_order": lambda: {
        "due_date": _soon(),
        "production_plan": "打样 → 品检 → 入库",
        "quantity": 2,
    },
    "outsource": lambda: {"outsource_return_date": _soon() - dt.timedelta(days=3)},
    "reorder": lambda: {"due_date": timezone.localdate() + dt.timedelta(days=12)},
    "record_signature": lambda: {"signed_on": timezone.localdate()},
    "remake": lambda: {"due_date": _soon()},
}


def _fields(model: type, name: str) -> dict[str, Any]:
    return FIELDS[name]() if name in FIELDS else {}


TO_STORE = [
    "issue_work_order",
    "start_production",
    "submit_inspection",
    "pass_inspection",
    "receive_into_store",
]

# (product, path): each record is walked through real transitions.
SAMPLE_PATHS: list[tuple[str, list[PathItem]]] = [
    ("不锈钢保温杯 500ml", []),
    ("智能电表外壳 A 型", ["issue_work_order"]),
    ("户外折叠椅", ["issue_work_order", "start_production"]),
    (
        "LED 灯罩（喷涂）",
        [
            "issue_work_order",
            "start_production",
            ("outsource", {"outsource_vendor": "佛山喷涂厂", "outsource_process": "表面喷涂"}),
        ],
    ),
    ("陶瓷餐具套装", ["issue_work_order", "start_production", "submit_inspection"]),
    ("Bamboo cutting board", TO_STORE),
    (
        "电源适配器 12V",
        [
            *TO_STORE,
            ("send_by_courier", {"courier": "顺丰速运", "tracking_no": "SF1234567890"}),
            "confirm_delivery",
        ],
    ),
    (
        "办公椅扶手",
        [
            "issue_work_order",
            "start_production",
            "submit_inspection",
            ("fail_inspection", {"comment": "扶手表面有划痕，颜色与色卡不符"}),
            "submit_inspection",
            "pass_inspection",
            "receive_into_store",
            ("release_with_delivery_note", {"delivery_note_no": "SH-2026-118"}),
            "confirm_delivery",
            ("approve", {"customer_feedback": "样品合格，可安排大货。"}),
        ],
    ),
]

# Rejected in round 1, the feedback acknowledged by QA and the sample room,
# re-ordered as round 2 (which starts at "work order issued").
FIRST_ROUND_PATH: list[PathItem] = [
    *TO_STORE,
    ("send_by_courier", {"courier": "EMS", "tracking_no": "EA123456789CN"}),
    "confirm_delivery",
    ("reject", {"customer_feedback": "涂层颜色偏深，边缘有气泡。"}),
    SignAll("已收到客户反馈"),
    ("reorder", {"changes": "调浅涂层颜色，改进喷涂工艺"}),
]
SECOND_ROUND_PATH: list[PathItem] = ["start_production"]

# (board type, product, path)
BOARD_PATHS: list[tuple[str, str, list[PathItem]]] = [
    (Board.Kind.PS, "智能电表外壳 A 型", []),
    (Board.Kind.PPS, "户外折叠椅", ["finish", "submit"]),
    (
        Board.Kind.PS,
        "陶瓷餐具套装",
        [
            "finish",
            "submit",
            ("record_signature", {"customer_signatory": "林小姐"}),
        ],
    ),
]


def load(users: dict[str, AbstractBaseUser]) -> bool:
    if SampleOrder.objects.exists():
        return False
    walker = Walker(user_for=users.__getitem__, data_for=_fields)
    with transaction.atomic():
        customers = [
            Customer.objects.get_or_create(
                code=code, defaults={"name": name, "contact": contact, "phone": phone}
            )[0]
            for code, name, contact, phone in CUSTOMERS
        ]
        sales = users["sales"]
        for i, (product, path) in enumerate(SAMPLE_PATHS):
            record = record_start(
                record=SampleOrder(
                    customer=customers[i % len(customers)],
                    salesperson=sales,
                    product_name=product,
                    quantity=2,
                    requirements="按客户图纸及色卡打样，附包装要求。",
                    materials="客户图纸 1 份，色卡 1 张",
                ),
                user=sales,
            )
            walker.walk(record, path)

        first = record_start(
            record=SampleOrder(
                customer=customers[0],
                salesperson=sales,
                product_name="电饭煲内胆（不粘涂层）",
                quantity=3,
                requirements="涂层厚度 ≥ 25μm，耐刮擦测试 3000 次。",
            ),
            user=sales,
        )
        first = walker.walk(first, FIRST_ROUND_PATH)
        second = SampleOrder.objects.get(previous_round=first)
        walker.walk(second, SECOND_ROUND_PATH)

        for kind, product, path in BOARD_PATHS:
            board = record_start(
                record=Board(
                    kind=kind,
                    customer=customers[2],
                    customer_order_no="PO-88231",
                    product_name=product,
                    requirements="按订单要求制作，颜色以确认色卡为准。",
                    salesperson=sales,
                    due_date=timezone.localdate() + dt.timedelta(days=7),
                ),
                user=sales,
            )
            walker.walk(board, path)
    return True
