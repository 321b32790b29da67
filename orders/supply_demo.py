"""Demo customer-supplied drawings and products (客户来图 / 来样), one on each
path: waiting for the department head, refused, handed over half-way, in use
with a new drawing version to acknowledge, and returned at the end of the job."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from workflows.services import record_start
from workflows.walker import PathItem, Walker

from .models import Customer, CustomerSupply, SuppliedItem

FIELDS: dict[str, Any] = {
    "supply_refuse": lambda: {"refusal_reason": "该零件不在我司工艺范围内，建议客户另寻供应商"},
    "supply_sign_for": lambda: {"signed_for_on": timezone.localdate()},
    "supply_inspect": lambda: {
        "inspection_result": "外观无损伤，数量相符，与客户描述一致",
        "storage_location": "品管部样品柜 3 号",
    },
    "supply_dispose": lambda: {
        "disposal": "returned",
        "disposed_on": timezone.localdate(),
        "disposal_note": "顺丰寄回客户，客户签收单已存档",
    },
}


def _fields(model: type, name: str) -> dict[str, Any]:
    return FIELDS[name]() if name in FIELDS else {}


def _item(number: str, title: str, version: str = "", **extra: Any) -> PathItem:
    kind = "drawing" if version else "product"
    return (
        "supply_register_item",
        {
            "kind": kind,
            "number": number,
            "title": title,
            "version": version,
            "quantity": extra.get("quantity", 1),
            "confidentiality": extra.get("confidentiality", "confidential"),
        },
    )


REGISTERED: list[PathItem] = [
    "supply_submit",
    "supply_approve",
    "supply_sign_for",
    _item("DWG-7731", "杯盖组件图", "A"),
    _item("DWG-7740", "手柄图", "B", confidentiality="secret"),
    _item("P-0042", "客户样杯", quantity=2, confidentiality="normal"),
    "supply_hand_over",
]

PATHS: list[tuple[int, str, str, list[PathItem]]] = [
    (0, "客户要求按来图加工杯盖，保证密封性", "杯盖图纸一份", ["supply_submit"]),
    (2, "客户要求代工其专利结构的真空泵", "真空泵结构图", ["supply_submit", "supply_refuse"]),
    (
        0,
        "按客户样杯配色，按图纸加工杯盖与手柄",
        "图纸两份、样杯两只",
        [*REGISTERED, "supply_acknowledge"],
    ),
    (
        3,
        "客户定制礼品杯，按来图印刷图案",
        "图纸两份、样杯两只",
        [*REGISTERED, "supply_acknowledge", "supply_inspect", "supply_in_use"],
    ),
    (
        1,
        "按客户来样复制杯身颜色",
        "图纸两份、样杯两只",
        [*REGISTERED, "supply_acknowledge", "supply_inspect", "supply_in_use", "supply_dispose"],
    ),
]


def load(users: dict[str, AbstractBaseUser]) -> bool:
    """Called by ``orders.demo`` once its customers exist."""
    if CustomerSupply.objects.exists():
        return False
    customers = list(Customer.objects.order_by("code"))
    walker = Walker(user_for=users.__getitem__, data_for=_fields)
    for customer, requirements, provided, path in PATHS:
        record = record_start(
            record=CustomerSupply(
                customer=customers[customer % len(customers)],
                salesperson=users["sales"],
                requirements=requirements,
                provided=provided,
            ),
            user=users["sales"],
        )
        walker.walk(record, path)
    in_use = CustomerSupply.objects.filter(state="in_use").first()
    if in_use is not None:
        drawing = in_use.items.filter(kind=SuppliedItem.Kind.DRAWING).order_by("pk").first()
        walker.walk(in_use, [("supply_new_version", {"drawing": drawing.pk, "version": "B"})])
    return True
