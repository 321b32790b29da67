"""Demo research plans of each type in every phase, and research tasks in
several states, made through the engine (``workflows.walker``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction
from django.utils import timezone

from workflows.services import record_start
from workflows.walker import PathItem, SignAll, Walker

from . import plan_demo
from .models import ResearchPlan, ResearchTask

# Two more key-account managers, so that a plan's fieldwork has several tasks.
MORE_KA_MANAGERS = (("ka_manager2", "高远"), ("ka_manager3", "许静"))


OBJECTIVES = "掌握竞争对手动态和大客户需求，为市场推广计划提供依据。"


def _today(days: int = 0) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


FIELDS: dict[str, Any] = {
    "submit_plan": lambda: {
        "objectives": OBJECTIVES,
        "content": "竞争对手信息、客户需求信息以及专项要求。",
        "method": "大客户经理走访重点客户，填写《市场调研问卷》和《市场信息收集表》。",
        "schedule": "第 1–2 周走访，第 3 周汇总，第 4 周编写《市场调研报告》。",
        "item_1": "差旅费",
        "amount_1": "6000.00",
        "item_2": "问卷印制",
        "amount_2": "800.00",
        "item_3": "受访客户礼品",
        "amount_3": "1500.00",
    },
    "issue_materials": lambda: {
        "question_1": "贵司目前主要采购哪些品牌？",
        "kind_1": "text",
        "question_2": "最畅销的价格区间是多少？",
        "kind_2": "choice",
        "choices_2": "150 元以下\n150–250 元\n250 元以上",
        "question_3": "对我司交期的满意程度（1–5）",
        "kind_3": "scale",
        "question_4": "对交期有何要求？",
        "kind_4": "text",
        "collection_notes": "每走访一家客户填写一张《市场信息收集表》。",
    },
    "submit_findings": lambda: {
        "competitor_info": "A 品牌新推 1.5L 玻璃电水壶，售价 199 元。",
        "product_info": "玻璃款销量约为不锈钢款的两倍。",
        "price_info": "主流成交价 150–250 元。",
        "customer_needs": "缩短交期，可做客户自有品牌包装。",
        "special_requirements": "外箱须印 CCC 标志。",
        "answer_1": "A、B、C 品牌",
        "answer_2": "150–250 元",
        "answer_3": "4",
        "answer_4": "30 天以内",
    },
    "submit_report": lambda: {
        "report_competitors": "A 品牌价格领先，B 品牌以外观设计取胜。",
        "report_customer_needs": "大客户普遍要求缩短交期、提供自有品牌包装。",
        "report_special_requirements": "出口客户要求外箱印 CCC 标志。",
        "report_conclusions": "建议推出 199 元玻璃电水壶，交期控制在 30 天内。",
    },
}


def _fields(model: type, name: str) -> dict[str, Any]:
    return FIELDS[name]() if name in FIELDS else {}


TO_SIGN_OFF = ["submit_plan", "pass_review", "approve_budget", ("gm_approve", {"comment": "同意"})]
TO_FIELDWORK = [*TO_SIGN_OFF, SignAll("同意"), "approve_plan", "issue_materials"]

# (type, subject, path before the fieldwork's tasks)
PLANS: list[tuple[str, str, list[PathItem]]] = [
    ("routine", "华南区电水壶终端价格巡查", []),
    ("monthly", "6 月大客户采购意向调研", ["submit_plan"]),
    (
        "routine",
        "电饭煲竞品功能对比",
        ["submit_plan", ("return_plan", {"comment": "请补充调研方法和进度安排。"})],
    ),
    ("annual", "2027 年度小家电市场调研", ["submit_plan", "pass_review"]),
    ("major", "新品玻璃电水壶上市前专项调研", ["submit_plan", "pass_review", "approve_budget"]),
    ("routine", "华东区经销商库存调研", ["submit_plan", "pass_review_routine"]),
    ("monthly", "7 月重点客户满意度调研", [*TO_SIGN_OFF, SignAll("同意"), "approve_plan"]),
]


def _ka_managers(users: dict[str, AbstractBaseUser]) -> list[AbstractBaseUser]:
    User = get_user_model()
    group = Group.objects.get(name="ka_manager")
    found = [users["ka_manager"]]
    for username, name in MORE_KA_MANAGERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": name, "email": f"{username}@example.com"}
        )
        if created:
            user.set_password(settings.DEMO_PASSWORD)
            user.save()
            user.groups.add(group)
        found.append(user)
    return found


def _plan(users: dict[str, AbstractBaseUser], kind: str, title: str) -> ResearchPlan:
    manager = users["marketing_manager"]
    return record_start(
        record=ResearchPlan(
            owner=manager,
            title=title,
            kind=kind,
            period_start=_today(),
            period_end=_today(45),
            objectives=OBJECTIVES,
        ),
        user=manager,
    )


def _assign(walker: Walker, plan: ResearchPlan, ka: AbstractBaseUser, area: str) -> ResearchTask:
    plan.refresh_from_db()
    walker.take(
        plan,
        "assign_task",
        {"ka_manager": ka.pk, "area": area, "due_date": _today(14), "training_notes": ""},
    )
    return plan.tasks.get(owner=ka)


AREAS = ("广东重点客户", "华东连锁卖场", "线上渠道客户")


def load(users: dict[str, AbstractBaseUser]) -> bool:
    if ResearchPlan.objects.exists():
        return plan_demo.load(users)
    walker = Walker(user_for=users.__getitem__, data_for=_fields)
    with transaction.atomic():
        kas = _ka_managers(users)
        for kind, title, path in PLANS:
            walker.walk(_plan(users, kind, title), path)

        # Fieldwork: one task researching, one submitted, one returned and resubmitted.
        plan = walker.walk(_plan(users, "annual", "2027 年度大客户需求调研"), TO_FIELDWORK)
        tasks = [_assign(walker, plan, ka, area) for ka, area in zip(kas, AREAS, strict=True)]
        walker.walk(tasks[1], ["submit_findings"])
        walker.walk(
            tasks[2],
            [
                "submit_findings",
                ("return_findings", {"comment": "请补充竞品价格的来源。"}),
                "submit_findings",
            ],
        )

        # Every task accepted: the plan moved on to the report by itself.
        for kind, title, report_path in (
            ("major", "电水壶渠道价格专项调研", []),
            ("routine", "电饭煲用户口碑调研", ["submit_report"]),
            (
                "monthly",
                "5 月大客户采购意向调研",
                [
                    "submit_report",
                    ("return_report", {"comment": "结论请给出具体价格建议。"}),
                    "submit_report",
                    "approve_report",
                ],
            ),
        ):
            path = (
                TO_FIELDWORK
                if kind != "routine"
                else [
                    "submit_plan",
                    "pass_review_routine",
                    SignAll("同意"),
                    "approve_plan",
                    "issue_materials",
                ]
            )
            plan = walker.walk(_plan(users, kind, title), path)
            tasks = [
                _assign(walker, plan, ka, area) for ka, area in zip(kas[:2], AREAS, strict=False)
            ]
            for task in tasks:
                walker.walk(task, ["submit_findings", "accept_findings"])
            plan.refresh_from_db()
            walker.walk(plan, report_path)
    return plan_demo.load(users) or True


# Property surveys (楼盘调研): their own demo records, loaded with the plans'.
from . import property_demo  # noqa: E402

_plans_load = load


def load(users: dict[str, AbstractBaseUser]) -> bool:
    plans = _plans_load(users)
    return property_demo.load(users) or plans
