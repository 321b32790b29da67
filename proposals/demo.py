"""Demo project proposals in several phases, made through the engine."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from workflows.services import record_start
from workflows.walker import PathItem, SignAll, Walker

from .models import ComparableProject, Proposal

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


OPINIONS = {
    "strategy": "建议突出江景与学区卖点，主打改善型家庭。",
    "creative": "视觉以“江岸生活”为主线，楼书突出园林。",
}


def _path(developer: str, goal: str, preliminary_due: dt.date) -> list[PathItem]:
    """The steps that take a new lead to ``goal``."""
    path: list[PathItem] = [
        "request_assessment",
        (
            "recommend",
            {
                "developer_background": f"{developer}为全国性开发商，资金实力雄厚。",
                "recommendation": "pitch",
                "recommendation_reason": "项目体量大，与我司代理经验相符。",
            },
        ),
        "decide_pitch",
        (
            "start_research",
            {
                "developer_requirements": "两周内提交初步方案，侧重产品定位。",
                "research_plan": "第一周：地块与竞品踩盘；第二周：消费者问卷与报告。",
                "preliminary_due": preliminary_due,
            },
        ),
        "submit_preliminary",
        "consult",
        SignAll(OPINIONS),
        "revise",
        "submit_formal",
        "approve_formal",
        ("win", {"contract_signed_on": timezone.localdate()}),
    ]
    ends = {
        "lead": 0,
        "assessing": 1,
        "awaiting_decision": 2,
        "researching": 4,
        "consulting": 7,
        "won": len(path),
    }
    return path[: ends[goal]]


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

    def write_report(record: Proposal, name: str) -> None:
        # The researcher writes the report before submitting it.
        if name in ("submit_preliminary", "submit_formal"):
            _fill_draft(record, users)

    walker = Walker(user_for=users.__getitem__, prepare=write_report)
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
            preliminary_due = today + dt.timedelta(days=min(10, days - 5))
            walker.walk(record, _path(developer, goal, preliminary_due))
    return True
