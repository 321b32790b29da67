"""Demo customer complaints along every path of the 8D, made through the
engine: received, acknowledged, investigated, with actions, proposed,
approved, closed, effective, reopened by the customer, reopened by the
effectiveness check, withdrawn, and a recurrence; and three years of
satisfaction surveys (``survey_demo``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from orders.models import Customer
from workflows.services import record_start
from workflows.walker import PathItem, Walker

from . import survey_demo
from .models import (
    Complaint,
    ComplaintAction,
    DefectCategory,
    Severity,
    SeverityClock,
)

CATEGORIES = [
    ("LEAK", "密封不良 / 渗漏"),
    ("DIM", "尺寸不符"),
    ("SURF", "外观划伤 / 脏污"),
    ("PACK", "包装破损"),
    ("FUNC", "功能失效"),
]

CLOCKS = [(Severity.CRITICAL, 2), (Severity.MAJOR, 5), (Severity.MINOR, 10)]

CUSTOMERS = [
    ("C001", "华南电器有限公司", "黄先生", "020-8888 1234"),
    ("C002", "Northwind Trading Ltd.", "Ms. Carter", "+44 20 7946 0000"),
    ("C003", "东方家居集团", "林小姐", "0755-2666 5678"),
]


def _today(days: int = 0) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


FIELDS: dict[str, Callable[[], dict[str, Any]]] = {
    "acknowledge": lambda: {
        "acknowledgement": "已电话告知客户：品质部已立案调查，3 个工作日内回复初步结果。"
    },
    "define_problem": lambda: {
        "problem_what": "保温杯盖密封圈渗水，倒置 1 分钟即漏。",
        "problem_where": "客户广州仓库开箱检验",
        "problem_when": "11 月 20 日到货批次",
        "problem_how_many": 40,
        "containment": "库存同批 800 只隔离并全检，挑出不良 12 只；在途货物通知客户暂停上架。",
        "containment_owner": "仓库 李伟",
        "containment_done_on": _today(),
    },
    "record_root_cause": lambda: {
        "occurrence_why1": "密封圈厚度偏薄",
        "occurrence_why2": "密封圈模具磨损",
        "occurrence_why3": "模具没有规定更换周期",
        "occurrence_category": "machine",
        "escape_why1": "气密测试每批只抽 2 只",
        "escape_why2": "抽样方案未随新杯盖更新",
        "escape_category": "method",
    },
    "propose_solution": lambda: {
        "solution": "更换密封圈模具并规定 3 万模次更换；后续 3 批杯盖 100% 气密测试；修订抽样方案。"
    },
    "close": lambda: {
        "reply": "已向客户发送 8D 报告，补发 40 只良品，客户确认接受。",
        "reply_on": _today(),
        "reply_channel": "email",
    },
    "reopen": lambda: {
        "reply": "客户不接受：要求追溯密封圈供应商的原材料问题。",
        "reply_on": _today(),
        "reply_channel": "phone",
    },
    "confirm_effective": lambda: {"effectiveness": "连续 3 批无渗漏投诉，客户确认改善有效。"},
    "not_effective": lambda: {"effectiveness": "12 月批次再次出现渗漏，改善措施未见效。"},
    "action_done": lambda: {
        "done_on": _today(),
        "evidence": "模具已更换，附气密测试记录。",
    },
}


def _fields(model: type, name: str) -> dict[str, Any]:
    return FIELDS[name]() if name in FIELDS else {}


def _actions(users: dict[str, AbstractBaseUser]) -> list[PathItem]:
    """Add a corrective and a preventive action, then propose the solution."""
    return [
        (
            "add_action",
            {
                "kind": ComplaintAction.Kind.CORRECTIVE,
                "action": "更换密封圈模具，后续 3 批 100% 气密测试",
                "owner": users["production"].pk,
                "due_date": _today(7),
            },
        ),
        (
            "add_action",
            {
                "kind": ComplaintAction.Kind.PREVENTIVE,
                "action": "修订模具保养计划，增加更换周期",
                "owner": users["pmc"].pk,
                "due_date": _today(14),
            },
        ),
    ]


def load(users: dict[str, AbstractBaseUser]) -> bool:
    """The complaints, then the satisfaction surveys, each once."""
    complaints = _load_complaints(users)
    return survey_demo.load(users) or complaints


def _load_complaints(users: dict[str, AbstractBaseUser]) -> bool:
    if Complaint.objects.exists():
        return False
    team = [users["qa"].pk, users["production"].pk, users["pmc"].pk]

    def data_for(model: type, name: str) -> dict[str, Any]:
        data = _fields(model, name)
        return {**data, "team": team} if name == "define_problem" else data

    walker = Walker(user_for=users.__getitem__, data_for=data_for)

    def finish_actions(record: Complaint) -> None:
        for action in record.actions.filter(state=ComplaintAction.State.OPEN):
            walker.walk(action, ["action_done", "action_verify"])

    investigated: list[PathItem] = ["acknowledge", "define_problem", "record_root_cause"]
    to_approved: list[PathItem] = [
        *investigated,
        *_actions(users),
        "propose_solution",
        "approve_solution",
    ]
    with transaction.atomic():
        for code, name in CATEGORIES:
            DefectCategory.objects.get_or_create(code=code, defaults={"name": name})
        for severity, days in CLOCKS:
            SeverityClock.objects.get_or_create(severity=severity, defaults={"working_days": days})
        customers = [
            Customer.objects.get_or_create(
                code=code, defaults={"name": name, "contact": contact, "phone": phone}
            )[0]
            for code, name, contact, phone in CUSTOMERS
        ]
        leak = DefectCategory.objects.get(code="LEAK")
        sales = users["sales"]

        def complaint(
            product: str, severity: str, *, customer: int = 0, days_ago: int = 1, **extra: Any
        ) -> Complaint:
            return record_start(
                record=Complaint(
                    customer=customers[customer],
                    salesperson=sales,
                    received_on=_today(-days_ago),
                    channel=extra.pop("channel", Complaint.Channel.EMAIL),
                    product_name=product,
                    description=extra.pop("description", "客户来邮件投诉：杯盖渗水，附照片。"),
                    remedy=extra.pop("remedy", Complaint.Remedy.REPLACEMENT),
                    severity=severity,
                    category=extra.pop("category", leak),
                    **extra,
                ),
                user=sales,
            )

        # One at each step of the way.
        complaint("电饭煲内胆", Severity.MINOR, customer=1, category=_cat("SURF"), days_ago=0)
        walker.walk(complaint("户外折叠椅", Severity.MAJOR, customer=2), ["acknowledge"])
        walker.walk(complaint("智能电表外壳 A 型", Severity.CRITICAL, customer=1), investigated[:2])
        walker.walk(complaint("LED 灯罩", Severity.MINOR, customer=2), investigated)
        walker.walk(
            complaint("陶瓷餐具套装", Severity.MAJOR, customer=2),
            [*investigated, *_actions(users)],
        )
        walker.walk(
            complaint("电源适配器 12V", Severity.MAJOR, customer=0, category=_cat("FUNC")),
            [*investigated, *_actions(users), "propose_solution"],
        )
        # Approved, the reply waiting on the open actions.
        walker.walk(complaint("办公椅扶手", Severity.MINOR, customer=1), to_approved)
        # Closed, the effectiveness check due in 30 days; and closed, effective.
        closed = walker.walk(complaint("竹制砧板", Severity.MINOR, customer=1), to_approved)
        finish_actions(closed)
        walker.walk(closed, ["close"])
        effective = walker.walk(
            complaint("不锈钢保温杯 500ml", Severity.MAJOR, days_ago=200), to_approved
        )
        finish_actions(effective)
        walker.walk(effective, ["close", "confirm_effective"])
        # Reopened by the customer, now in its second round's actions.
        reopened = walker.walk(complaint("不锈钢保温杯 350ml", Severity.MAJOR), to_approved)
        walker.walk(reopened, ["reopen", "define_problem", "record_root_cause"])
        # Reopened by the effectiveness check.
        again = walker.walk(complaint("保温饭盒 1L", Severity.CRITICAL, customer=2), to_approved)
        finish_actions(again)
        walker.walk(again, ["close", "not_effective"])
        # Withdrawn by the customer.
        walker.walk(
            complaint("蓝牙音箱", Severity.MINOR, customer=0, category=_cat("PACK")),
            [("withdraw", {"comment": "客户确认为运输中人为损坏，撤回投诉。"})],
        )
        # A recurrence of the effective one: same customer, product and category.
        complaint(
            "不锈钢保温杯 500ml",
            Severity.MAJOR,
            channel=Complaint.Channel.PHONE,
            description="同款保温杯再次渗水，客户电话投诉。",
        )
    return True


def _cat(code: str) -> DefectCategory:
    return DefectCategory.objects.get(code=code)
