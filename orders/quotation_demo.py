"""Demo quotations and bids in each state, walked through the engine: an
inquiry, a tender being prepared, one under leadership's review, one sent,
one renegotiated as Rev A, one won (its order opened), one lost, one not
quoted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from workflows.services import record_start
from workflows.walker import PathItem, SignAll, Walker

from .models import Customer, Quotation, QuotationLine


def _soon(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


FIELDS = {
    "quote_decline": lambda: {"decline_reason": "非我司产品范围，建议客户另寻供应商。"},
    "quote_submit": lambda: {"valid_until": _soon(30)},
    "quote_lose": lambda: {"lost_reason": "price", "competitor": "上海某泵业有限公司"},
}
COMMENTS = {
    "quote_negotiate": "客户要求单价下调 5%，付款期延长至 60 天。",
    "quote_revise": "按谈判结果调整单价。",
    "quote_return": "请补充备件报价。",
}


def _fields(model: type, name: str) -> dict[str, Any]:
    data = FIELDS[name]() if name in FIELDS else {}
    if name in COMMENTS:
        data["comment"] = COMMENTS[name]
    return data


# (product, model, parameters, unit, quantity, price, purchase price, delivery days, lead days)
LINES = [
    ("离心泵", "CP-80", "流量 80 m³/h，扬程 32 m，11 kW", "台", "4", "12500", "9800", 30, 21),
    ("控制柜", "CC-11", "一用一备，变频", "套", "1", "18600", "14200", 25, 18),
    ("机械密封备件", "SK-1", "碳化硅／碳化硅", "套", "8", "650", "420", 15, 10),
]

APPROVED: list[PathItem] = ["quote_go", SignAll(), "quote_submit", "quote_approve"]
# (customer code, kind, title, path)
QUOTATIONS: list[tuple[str, str, str, list[PathItem]]] = [
    ("C001", "inquiry", "冷却水循环泵组", []),
    ("C003", "tender", "东方家居新厂区给水泵站", ["quote_go"]),
    ("C001", "inquiry", "空调冷冻水泵改造", ["quote_go", SignAll(), "quote_submit"]),
    ("C002", "inquiry", "Booster pump set", [*APPROVED, "quote_send"]),
    ("C001", "inquiry", "锅炉补水泵", [*APPROVED, "quote_send", "quote_negotiate"]),
    ("C003", "inquiry", "消防稳压泵组", [*APPROVED, "quote_send", "quote_negotiate", "quote_win"]),
    ("C001", "tender", "污水提升泵站", [*APPROVED, "quote_send", "quote_lose"]),
    ("C002", "inquiry", "Fountain pumps", ["quote_decline"]),
]


def _add_lines(quotation: Quotation, ops: AbstractBaseUser, count: int) -> None:
    for position, row in enumerate(LINES[:count], start=1):
        product, spec, params, unit, qty, price, cost, days, lead = row
        line = QuotationLine(
            quotation=quotation,
            position=position,
            product=product,
            spec=spec,
            parameters=params,
            unit=unit,
            quantity=Decimal(qty),
            unit_price=Decimal(price),
            delivery_days=days,
            purchase_price=Decimal(cost),
            lead_time_days=lead,
            costed_by=ops,
            costed_at=timezone.now(),
        )
        line.compute()
        line.save()
    quotation.recompute()


def _renegotiate(quotation: Quotation, walker: Walker) -> Quotation:
    """The negotiated quotation becomes Rev A: 5 % off the pumps, approved and sent."""
    quotation = walker.walk(quotation, ["quote_revise"])
    line = quotation.lines.get(position=1)
    line.unit_price = Decimal("11875")
    line.compute()
    line.save()
    quotation.payment_days = 60
    Quotation.objects.filter(pk=quotation.pk).update(payment_days=60)
    quotation.recompute()
    return walker.walk(quotation, ["quote_submit", "quote_approve", "quote_send"])


def load(users: dict[str, AbstractBaseUser]) -> bool:
    if Quotation.objects.exists():
        return False
    customers = {c.code: c for c in Customer.objects.filter(code__in=["C001", "C002", "C003"])}
    if len(customers) < 3:
        return False
    walker = Walker(user_for=users.__getitem__, data_for=_fields)
    sales = users["sales"]
    with transaction.atomic():
        for i, (code, kind, title, path) in enumerate(QUOTATIONS):
            quotation = record_start(
                record=Quotation(
                    kind=kind,
                    customer=customers[code],
                    salesperson=sales,
                    title=title,
                    requirements="详见客户询价书及技术要求。"
                    if kind == "inquiry"
                    else "详见招标文件。",
                    tender_deadline=_soon(21) if kind == "tender" else None,
                    currency="USD" if code == "C002" else "CNY",
                    valid_until=_soon(30),
                    payment_days=customers[code].payment_days,
                    delivery_terms="送货到厂" if code != "C002" else "FOB Shenzhen",
                ),
                user=sales,
            )
            if path and path != ["quote_decline"]:
                _add_lines(quotation, users["ops"], 1 + i % 3)
            quotation = walker.walk(quotation, path)
            if i == 4:
                _renegotiate(quotation, walker)
    return True
