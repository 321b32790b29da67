"""Demo project proposals in several phases, made through the engine."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from workflows.services import record_start, signoff_record, transition_perform

from .models import ComparableProject, Proposal

ACTORS = {
    "request_assessment": "bd",
    "recommend": "researcher",
    "decide_pitch": "marketing_manager",
    "decline": "marketing_manager",
    "start_research": "researcher",
    "submit_preliminary": "researcher",
    "consult": "marketing_manager",
    "revise": "researcher",
    "submit_formal": "researcher",
    "approve_formal": "marketing_manager",
    "win": "bd",
}

SECTIONS = {
    "site": "地块呈长方形，约 4.2 公顷，东临滨江公园，景观资源良好。",
    "traffic": "周边公交线路 12、35、K8 路；主要道路：滨江大道、解放路。",
    "facilities": "1 公里内有小学、社区医院和大型超市。",
    "market": "区域内近三年供应稳定，去化周期约 14 个月。",
    "supply_area": "86.50",
    "sales_area": "72.30",
    "stock_area": "31.80",
    "policy": "执行限购政策，首套房首付比例 30%。",
    "consumers": "以 28-40 岁、家庭月收入 2-4 万元的改善型客户为主，重视学区与景观。",
    "strengths": "江景资源稀缺，交通便利。",
    "weaknesses": "地块临主干道，噪音较大。",
    "opportunities": "区域规划地铁 6 号线。",
    "threats": "周边两个竞品同期入市。",
    "recommendations": "均价 2.3 万元/㎡；以 90-120㎡ 三房为主；精装交付，配智能家居与会所。",
}

COMPARABLES = [
    ("滨江华府", 23800, "三房两厅", "118", "高层", "园林景观", "一线江景", "去化 85%"),
    ("碧桂园·江湾", 21500, "两房、三房", "96", "洋房", "中庭花园", "低总价", "去化 60%"),
]


def _walk(record: Proposal, path: list[tuple[str, dict[str, Any]]], users: dict) -> Proposal:
    for name, data in path:
        record = transition_perform(record=record, name=name, user=users[ACTORS[name]], data=data)
    return record


def _fill_draft(record: Proposal, users: dict) -> None:
    draft = record.current_draft()
    for name, value in SECTIONS.items():
        setattr(draft, name, value)
    draft.updated_by = users["researcher"]
    draft.save()
    if not draft.comparables.exists():
        ComparableProject.objects.bulk_create(
            ComparableProject(
                report=draft,
                name=n,
                price=p,
                layouts=lay,
                area=a,
                product_form=f,
                environment=e,
                selling_points=s,
                sales_status=st,
            )
            for n, p, lay, a, f, e, s, st in COMPARABLES
        )


def load(users: dict) -> bool:
    if Proposal.objects.exists():
        return False
    today = timezone.localdate()
    leads = [
        ("华润置地", "滨江壹号", "滨江区 A-12 地块", 40, "lead"),
        ("万科地产", "城东花园二期", "城东新区", 25, "assessing"),
        ("保利发展", "湖畔雅苑", "南湖片区", 30, "awaiting_decision"),
        ("金地集团", "云栖里", "西山路 88 号", 35, "researching"),
        ("龙湖地产", "天街公馆", "高新区", 28, "consulting"),
        ("招商蛇口", "海上世家", "前海湾", 20, "won"),
    ]
    with transaction.atomic():
        for developer, project, location, days, goal in leads:
            record = record_start(
                record=Proposal(
                    owner=users["bd"],
                    developer_name=developer,
                    developer_contact="项目部 陈经理",
                    project_name=project,
                    location=location,
                    plot=location,
                    pitch_deadline=today + dt.timedelta(days=days),
                ),
                user=users["bd"],
            )
            steps: list[tuple[str, dict[str, Any]]] = [
                ("request_assessment", {}),
                (
                    "recommend",
                    {
                        "developer_background": f"{developer}为全国性开发商，资金实力雄厚。",
                        "recommendation": "pitch",
                        "recommendation_reason": "项目体量大，与我司代理经验相符。",
                    },
                ),
                ("decide_pitch", {}),
                (
                    "start_research",
                    {
                        "developer_requirements": "两周内提交初步方案，侧重产品定位。",
                        "research_plan": "第一周：地块与竞品踩盘；第二周：消费者问卷与报告。",
                        "preliminary_due": today + dt.timedelta(days=min(10, days - 5)),
                    },
                ),
            ]
            order = ["lead", "assessing", "awaiting_decision", "planning", "researching"]
            target = order.index(goal) if goal in order else len(order) - 1
            record = _walk(record, steps[:target], users)
            if goal in ("consulting", "won"):
                _fill_draft(record, users)
                record = _walk(record, [("submit_preliminary", {}), ("consult", {})], users)
                for role, opinion in (
                    ("strategy", "建议突出江景与学区卖点，主打改善型家庭。"),
                    ("creative", "视觉以“江岸生活”为主线，楼书突出园林。"),
                ):
                    signoff_record(
                        record=record,
                        user=users[role],
                        role=role,
                        decision="agree",
                        comment=opinion,
                    )
                record.refresh_from_db()
            if goal == "won":
                record = _walk(record, [("revise", {})], users)
                _fill_draft(record, users)
                record = _walk(
                    record,
                    [
                        ("submit_formal", {}),
                        ("approve_formal", {}),
                        ("win", {"contract_signed_on": today}),
                    ],
                    users,
                )
    return True
