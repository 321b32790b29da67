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

from .models import ResearchPlan
from .models_plans import PromotionPlan, SalesPlan, first_of_month, next_month, previous_month

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
    sales = load_sales(users)
    return load_promotions(users) or sales


def load_sales(users: dict[str, AbstractBaseUser]) -> bool:
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


PROMOTION_FIELDS: dict[str, Any] = {
    "submit_promotion": lambda: {
        "goals": "新品玻璃电水壶进入 5 家重点客户的卖场，首月销售 3000 台。",
        "strategy": "以调研结论为依据：199 元上市价，大客户专供包装，联合路演。",
        "schedule": "第 1 周确定价格与包装，第 2–4 周路演，第 5 周总结。",
        "what_1": "广州重点客户路演",
        "who_1": "大客户部",
        "starts_1": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        "ends_1": (timezone.localdate() + dt.timedelta(days=8)).isoformat(),
        "budget_1": "8000.00",
        "what_2": "大客户专供包装打样",
        "who_2": "市场部",
        "starts_2": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        "ends_2": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        "budget_2": "2500.00",
    },
    "promotion_action_done": lambda: {"action": 2, "note": "打样完成，客户确认包装。"},
    "promotion_last_action_done": lambda: {
        "action": 1,
        "note": "路演到场采购 40 人，签意向 3 家。",
    },
}
APPROVE_ALL = [
    "submit_promotion",
    "promotion_dept_approve",
    "promotion_tech_approve",
    "promotion_gm_approve",
]
PROMOTIONS: list[tuple[str, list[PathItem]]] = [
    ("电饭煲秋季推广", []),
    ("小家电年货节推广", ["submit_promotion", "promotion_dept_approve"]),
    (
        "电水壶华东渠道推广",
        [
            "submit_promotion",
            ("promotion_return", {"comment": "请细化路演预算。"}),
        ],
    ),
    ("新品玻璃电水壶上市推广", [*APPROVE_ALL, "promotion_action_done"]),
    ("5 月大客户促销", [*APPROVE_ALL, "promotion_action_done", "promotion_last_action_done"]),
]


def load_promotions(users: dict[str, AbstractBaseUser]) -> bool:
    if PromotionPlan.objects.exists():
        return False
    manager = users["marketing_manager"]
    research = ResearchPlan.objects.filter(state="completed").order_by("pk").first()
    walker = Walker(
        user_for=users.__getitem__,
        data_for=lambda model, name: PROMOTION_FIELDS[name]() if name in PROMOTION_FIELDS else {},
    )
    with transaction.atomic():
        for i, (title, path) in enumerate(PROMOTIONS):
            plan = record_start(
                record=PromotionPlan(
                    owner=manager,
                    title=title,
                    goals="提高新品在重点客户中的铺货率。",
                    research_plan=research if i >= 3 else None,
                ),
                user=manager,
            )
            walker.walk(plan, path)
    return True
