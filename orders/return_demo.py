"""Demo customer returns (客户退货), one on each path: credited, replaced,
refused, and one waiting for QA; made through the engine after the demo
orders have shipped."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from workflows.walker import PathItem, Walker

from .models import CustomerReturn, Invoice, ShippingNotice
from .return_services import return_register

FIELDS: dict[str, Any] = {
    "return_accept": lambda: {
        "inspection_result": "抽检 5 只，杯盖凹陷，真空性能正常，属运输损坏",
        "inspected_on": timezone.localdate(),
    },
    "return_refuse": lambda: {
        "inspection_result": "全数检验，真空保温性能符合规格书要求，无质量缺陷",
        "inspected_on": timezone.localdate(),
        "refusal_reason": "退回产品经检验符合合同规格，不予受理退货",
    },
    "return_replace": lambda: {"ship_date": timezone.localdate()},
    "return_tell": lambda: {"customer_told_on": timezone.localdate()},
}


def _fields(model: type, name: str) -> dict[str, Any]:
    return FIELDS[name]() if name in FIELDS else {}


def _register(
    notice: ShippingNotice, users: dict[str, AbstractBaseUser], share: Decimal, reason: str
) -> CustomerReturn:
    """A return of ``share`` of every line of the batch, registered by sales."""
    return return_register(
        notice=notice,
        record=CustomerReturn(received_on=timezone.localdate(), reason=reason),
        quantities={
            line.pk: max((line.quantity * share).quantize(Decimal("1")), Decimal("1"))
            for line in notice.lines.all()
        },
        user=users["sales"],
    )


def load(users: dict[str, AbstractBaseUser]) -> bool:
    """Returns on the demo orders' shipped batches (called by ``orders.demo``)."""
    if CustomerReturn.objects.exists():
        return False
    shipped = list(
        ShippingNotice.objects.filter(state__in=ShippingNotice.SHIPPED_STATES).order_by("pk")
    )
    if not shipped:
        return False
    walker = Walker(user_for=users.__getitem__, data_for=_fields)
    invoiced = [n for n in shipped if n.invoices.filter(state=Invoice.State.ISSUED).exists()]
    first = invoiced[0] if invoiced else shipped[0]
    last = shipped[-1]
    paths: list[tuple[ShippingNotice, Decimal, str, list[PathItem]]] = [
        (first, Decimal("0.02"), "客户反映部分杯盖凹陷，附照片", ["return_submit"]),
        (
            last,
            Decimal("0.01"),
            "客户反映保温效果不达标",
            ["return_submit", "return_refuse", "return_tell"],
        ),
        (
            last,
            Decimal("0.01"),
            "运输途中外箱破损，部分产品变形",
            ["return_submit", ("return_accept", {"remedy": "replacement"}), "return_replace"],
        ),
    ]
    if invoiced:
        invoice = first.invoices.get(state=Invoice.State.ISSUED)
        paths.append(
            (
                first,
                Decimal("0.01"),
                "杯身划伤，客户要求退货并冲减货款",
                [
                    "return_submit",
                    ("return_accept", {"remedy": "credit"}),
                    (
                        "return_credit",
                        {
                            "invoice": invoice.pk,
                            "number": "HC-2026-0007",
                            "issued_on": timezone.localdate(),
                        },
                    ),
                    "return_close",
                ],
            )
        )
    for notice, share, reason, path in paths:
        record = _register(notice, users, share, reason)
        walker.walk(record, path)
    return True
