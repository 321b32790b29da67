"""Demo sales plans: last month's approved (set against the orders), this
month's approved with one returned and handed in again, and next month's
being drafted, handed in and consolidated, made through the engine
(``workflows.walker``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from orders.models import Customer
from workflows.roles import role_members
from workflows.services import record_start
from workflows.walker import PathItem, Walker

from .models_plans import SalesPlan, first_of_month, next_month, previous_month

PRODUCTS = (("1.5L 玻璃电水壶", 1200, "89.00"), ("3L 智能电饭煲", 600, "219.00"))
SUBMIT = "submit_sales_plan"
APPROVED = [SUBMIT, "consolidate_sales_plan", "approve_sales_plan"]


def _lines(customers: list[Customer], shift: int) -> dict[str, Any]:
    data: dict[str, Any] = {"notes": "重点客户备货，按月跟进订单。"}
    n = 0
    for i, customer in enumerate(customers):
        for product, quantity, price in PRODUCTS[: 1 + (i + shift) % 2]:
            n += 1
            data.update(
                {
                    f"customer_{n}": customer.pk,
                    f"product_{n}": product,
                    f"quantity_{n}": quantity + 100 * (i + shift),
                    f"price_{n}": price,
                }
            )
    return data


def load(users: dict[str, AbstractBaseUser]) -> bool:
    if SalesPlan.objects.exists():
        return False
    customers = list(Customer.objects.filter(active=True).order_by("pk")[:3])
    kas = list(role_members("ka_manager").order_by("pk")[:3])
    if not customers or not kas:
        return False
    this_month = first_of_month(timezone.localdate())
    months: list[tuple[dt.date, list[list[PathItem]]]] = [
        (previous_month(this_month), [APPROVED] * len(kas)),
        (
            this_month,
            [
                APPROVED,
                [
                    SUBMIT,
                    "consolidate_sales_plan",
                    ("reject_sales_plan", {"comment": "请补充新客户的计划数量。"}),
                    *APPROVED,
                ],
                APPROVED,
            ],
        ),
        (next_month(this_month), [[], [SUBMIT], [SUBMIT, "consolidate_sales_plan"]]),
    ]
    with transaction.atomic():
        for month, paths in months:
            for i, (ka, path) in enumerate(zip(kas, paths, strict=False)):
                walker = Walker(
                    user_for=lambda role, ka=ka: ka if role == "ka_manager" else users[role],
                    data_for=lambda model, name, i=i: (
                        _lines(customers, i) if name == SUBMIT else {}
                    ),
                )
                plan = record_start(
                    record=SalesPlan(owner=ka, month=month), user=ka, name="schedule"
                )
                walker.walk(plan, path)
    return True
