"""Demo contract changes (合同更改单), one on each path: a price rise applied
as the order's Rev A (finance alone reviewing again), a specification change
in re-review by technical and QA, and one the marketing manager refused;
made through the engine after the demo orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from workflows.walker import Walker

from .change_services import change_draft
from .models import ContractChange, Order
from .models.changes import CHANGEABLE_STATES


def _confirmation() -> dict[str, Any]:
    return {
        "customer_confirmed_by": "黄先生（采购部）",
        "customer_confirmed_on": timezone.localdate(),
        "customer_confirmed_via": "客户签回合同更改单（电子邮件）",
    }


FIELDS: dict[str, Any] = {"change_apply": _confirmation, "change_apply_ack": _confirmation}


def _fields(model: type, name: str) -> dict[str, Any]:
    return FIELDS[name]() if name in FIELDS else {}


def _lines(order: Order, **first: Any) -> list[dict[str, Any]]:
    """The order's lines, the first with ``first`` over it."""
    fields = ("position", *Order.revision_lines.fields)
    rows = [{f: getattr(line, f) for f in fields} for line in order.lines.all()]
    if rows:
        rows[0].update(first)
    return rows


def load(users: dict[str, AbstractBaseUser]) -> bool:
    """Changes of the demo orders that are confirmed and not shipped in full
    (called by ``orders.demo``)."""
    if ContractChange.objects.exists():
        return False
    orders = list(Order.objects.filter(state__in=CHANGEABLE_STATES).order_by("pk")[:3])
    if not orders:
        return False
    walker = Walker(user_for=users.__getitem__, data_for=_fields)
    follower = users["sales_assistant"]
    plans = [
        (
            {"reason": "不锈钢原材料涨价，经与客户协商调整单价", "unit_price_up": True},
            ["change_submit", "change_approve", "sign", "change_to_customer", "apply"],
        ),
        (
            {"reason": "客户要求更改杯盖颜色及丝印", "spec": "颜色改为哑光黑，丝印客户新标志"},
            ["change_submit", "change_approve"],
        ),
        (
            {"reason": "客户要求提前付款条件改为 90 天", "payment_days": 90},
            ["change_submit", ("change_refuse", {"comment": "账期超出公司信用政策"})],
        ),
    ]
    for order, (plan, path) in zip(orders, plans, strict=False):
        first: dict[str, Any] = {}
        if plan.get("unit_price_up"):
            first["unit_price"] = (order.lines.first().unit_price * Decimal("1.05")).quantize(
                Decimal("0.01")
            )
        if plan.get("spec"):
            first["spec"] = plan["spec"]
        change = change_draft(
            order=order,
            user=follower,
            terms={
                "requested_by": order.customer.contact or order.customer.name,
                "reason": plan["reason"],
                "deposit_percent": order.deposit_percent,
                "payment_days": plan.get("payment_days", order.payment_days),
            },
            lines=_lines(order, **first),
        )
        for item in path:
            if item == "sign":
                walker.sign_all(change)
                change.refresh_from_db()
            elif item == "apply":  # the departments downstream acknowledge, if concerned
                name = "change_apply_ack" if change.downstream_roles() else "change_apply"
                change = walker.walk(change, [name])
            else:
                change = walker.walk(change, [item])
    return True
