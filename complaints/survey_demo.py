"""Demo satisfaction surveys: the question definitions, two published years
and the running one with answers (through the link, by phone and on paper),
so that the trend, the charts and the improvement actions show. The oldest
year asked the delivery question in other words, under the same code."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from orders.models import Customer
from workflows.services import record_start
from workflows.walker import Walker

from .survey import (
    CampaignQuestion,
    QuestionKind,
    SurveyCampaign,
    SurveyInvitation,
    SurveyQuestion,
)
from .survey_services import answer_save

QUESTIONS = [
    ("product_quality", QuestionKind.SCALE, "产品质量", "Product quality"),
    ("delivery", QuestionKind.SCALE, "交货准时性", "On-time delivery"),
    ("price", QuestionKind.SCALE, "价格竞争力", "Price"),
    ("service", QuestionKind.SCALE, "售后服务", "After-sales service"),
    ("communication", QuestionKind.SCALE, "沟通与响应速度", "Communication and responsiveness"),
    (
        "recommend",
        QuestionKind.RECOMMEND,
        "您向同行推荐我们的可能性有多大？",
        "How likely are you to recommend us to a colleague?",
    ),
    ("comments", QuestionKind.COMMENT, "其他意见和建议", "Other comments and suggestions"),
]

CUSTOMERS = [
    ("C001", "华南电器有限公司", "黄先生"),
    ("C002", "Northwind Trading Ltd.", "Ms. Carter"),
    ("C003", "东方家居集团", "林小姐"),
    ("C004", "宏达五金制品厂", "陈经理"),
    ("C005", "Bluewater Housewares Inc.", "Mr. Ortiz"),
    ("C006", "美佳厨具有限公司", "周小姐"),
    ("C007", "新锐智能科技", "刘先生"),
    ("C008", "Alpine Outdoor GmbH", "Frau Keller"),
]

COMMENTS = [
    "交货期希望再缩短一周。",
    "业务员响应很快，感谢。",
    "包装需加强，运输中有破损。",
    "",
    "Prices went up twice this year; please keep us informed earlier.",
]


def _today(days: int = 0) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _answer_all(campaign: SurveyCampaign, rng: random.Random, mood: int, sales: Any) -> None:
    """Answer all but the last two forms; ``mood`` shifts the scores."""
    questions = [q for q in campaign.questions.all() if q.scored]
    invitations = list(campaign.invitations.select_related("campaign").order_by("pk"))
    for n, invitation in enumerate(invitations[:-2]):
        scores = {}
        for q in questions:
            if q.kind == QuestionKind.SCALE:
                scores[q.pk] = max(1, min(5, rng.choice([2, 3, 4, 4, 5]) + mood))
            else:
                scores[q.pk] = max(0, min(10, rng.choice([5, 7, 8, 9, 10]) + mood))
        by_phone = n % 4 == 3
        answer_save(
            invitation=invitation,
            scores=scores,
            comment=COMMENTS[n % len(COMMENTS)],
            channel=SurveyInvitation.Channel.PHONE if by_phone else SurveyInvitation.Channel.LINK,
            user=sales if by_phone else None,
        )


def load(users: dict[str, AbstractBaseUser]) -> bool:
    if SurveyCampaign.objects.exists():
        return False
    manager = users["marketing_manager"]
    walker = Walker(user_for=users.__getitem__)
    rng = random.Random(2026)
    this_year = timezone.localdate().year
    with transaction.atomic():
        for position, (code, kind, zh, en) in enumerate(QUESTIONS, start=1):
            SurveyQuestion.objects.get_or_create(
                code=code,
                defaults={"kind": kind, "text_zh": zh, "text_en": en, "position": position},
            )
        customers = [
            Customer.objects.get_or_create(code=code, defaults={"name": name, "contact": contact})[
                0
            ]
            for code, name, contact in CUSTOMERS
        ]
        questions = list(SurveyQuestion.objects.filter(active=True))
        for offset, mood in ((2, -1), (1, 0), (0, 1)):
            year = this_year - offset
            campaign = record_start(
                record=SurveyCampaign(
                    year=year,
                    title=f"{year} 年度客户满意度调查",
                    close_date=_today(30),
                    intro="感谢您一直以来的支持！请花几分钟告诉我们您的评价。",
                ),
                user=manager,
            )
            prepare = {
                "questions": [q.pk for q in questions],
                "customers": [c.pk for c in customers],
                "close_date": _today(30).isoformat(),
            }
            campaign = walker.walk(
                campaign,
                [
                    ("prepare", prepare),
                    "submit_questionnaire",
                    "approve_questionnaire",
                    "send_survey",
                ],
            )
            if offset == 2:
                # The oldest year asked about delivery in other words.
                CampaignQuestion.objects.filter(campaign=campaign, code="delivery").update(
                    text_zh="交货及时", text_en="Delivery on time"
                )
            _answer_all(campaign, rng, mood, users["sales"])
            if offset:
                report: dict[str, Any] = {
                    "report_summary": f"{year} 年共调查 {len(customers)} 家客户。",
                    "report_findings": "交货准时性仍是主要短板，已针对低分客户开立改进措施。",
                }
                campaign = walker.walk(
                    campaign,
                    [
                        "close_survey",
                        ("submit_report", report),
                        "publish_report",
                    ],
                )
                SurveyCampaign.objects.filter(pk=campaign.pk).update(
                    close_date=dt.date(year, 12, 15),
                    created_at=timezone.make_aware(dt.datetime(year, 1, 5, 9)),
                )
    return True
