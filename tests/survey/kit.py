"""The satisfaction survey's kit: factories for campaigns, their questions,
survey forms and answers, and the improvement actions low scores open;
valid data of their steps; crowds for the query bounds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import factory

from complaints.models import (
    CampaignQuestion,
    ImprovementAction,
    QuestionKind,
    SurveyAnswer,
    SurveyCampaign,
    SurveyInvitation,
    SurveyQuestion,
)
from tests.factories import CustomerFactory, RecordFactory, UserFactory, in_days
from tests.kits import Crowd, ProcessKit

# The questions every campaign of the factory asks: code, kind, Chinese, English.
ASKED = [
    ("quality", QuestionKind.SCALE, "产品质量", "Product quality"),
    ("delivery", QuestionKind.SCALE, "交货准时性", "On-time delivery"),
    ("recommend", QuestionKind.RECOMMEND, "推荐我们的可能性", "Would you recommend us?"),
    ("comments", QuestionKind.COMMENT, "其他意见", "Other comments"),
]


class SurveyQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyQuestion
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dimension-{n}")
    kind = QuestionKind.SCALE
    text_zh = factory.Sequence(lambda n: f"维度 {n}")
    text_en = factory.Sequence(lambda n: f"Dimension {n}")


def free_year() -> int:
    """The first year from 2000 without a campaign (one campaign a year)."""
    taken = set(SurveyCampaign.objects.values_list("year", flat=True))
    return next(y for y in range(2000, 3000) if y not in taken)


def ask(campaign: SurveyCampaign, questions: list[tuple[str, str, str, str]] = ASKED) -> None:
    CampaignQuestion.objects.bulk_create(
        CampaignQuestion(
            campaign=campaign, code=code, kind=kind, text_zh=zh, text_en=en, position=n
        )
        for n, (code, kind, zh, en) in enumerate(questions, start=1)
    )


class CampaignFactory(RecordFactory):
    """A campaign; past its draft it asks ``ASKED`` of one customer."""

    class Meta:
        model = SurveyCampaign
        skip_postgeneration_save = True

    created_by = factory.SubFactory(UserFactory, roles=["marketing_manager"])
    year = factory.LazyFunction(lambda: free_year())
    title = factory.Sequence(lambda n: f"Satisfaction survey {n}")
    close_date = factory.LazyFunction(lambda: in_days(30))

    @factory.post_generation
    def asked(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create or extracted is False:
            return
        if self.state != SurveyCampaign.State.DRAFT or extracted:
            ask(self)
            InvitationFactory(campaign=self)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyInvitation

    campaign = factory.SubFactory(CampaignFactory, state=SurveyCampaign.State.RUNNING, asked=False)
    customer = factory.SubFactory(CustomerFactory)
    contact_name = "Ms. Lin"
    contact_email = factory.Sequence(lambda n: f"buyer{n}@example.com")


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyAnswer

    invitation = factory.SubFactory(InvitationFactory)
    question = factory.LazyAttribute(
        lambda o: (
            o.invitation.campaign.questions.filter(kind=QuestionKind.SCALE).first()
            or CampaignQuestion.objects.create(
                campaign=o.invitation.campaign,
                code="quality",
                kind=QuestionKind.SCALE,
                text_zh="产品质量",
                text_en="Product quality",
                position=1,
            )
        )
    )
    score = 1


class ImprovementFactory(RecordFactory):
    class Meta:
        model = ImprovementAction

    answer = factory.SubFactory(AnswerFactory)
    invitation = factory.SelfAttribute("answer.invitation")
    customer = factory.SelfAttribute("invitation.customer")
    owner = factory.SubFactory(UserFactory, roles=["sales"])
    created_by = factory.SelfAttribute("owner")
    action = "Call the buyer about the late deliveries"
    due_date = factory.LazyFunction(lambda: in_days(30))


STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (SurveyCampaign, "prepare"): lambda: {
        "questions": SurveyQuestionFactory().pk,
        "customers": CustomerFactory().pk,
        "close_date": in_days(20),
    },
    (SurveyCampaign, "submit_report"): lambda: {
        "report_summary": "40 customers asked, 31 answered.",
        "report_findings": "Delivery scores fell; an action per low score is open.",
    },
    (ImprovementAction, "improvement_done"): lambda: {
        "done_on": in_days(0),
        "evidence": "Visited the buyer; a weekly delivery report agreed.",
    },
}


def prepare(record: SurveyCampaign, name: str) -> None:
    """A questionnaire is submitted with questions and customers."""
    if name == "submit_questionnaire" and not record.questions.exists():
        ask(record)
    if name == "submit_questionnaire" and not record.invitations.exists():
        InvitationFactory(campaign=record)


def campaign_rows(record: SurveyCampaign) -> tuple[Any, ...]:
    return (
        tuple(record.questions.values_list("code", "text_en")),
        tuple(record.invitations.values_list("customer_id", "token_hash", "answered_at")),
        record.reports.count(),
    )


# The most each page may make at 10 and 100 records. The salesperson's inbox
# holds the orders' and complaints' parts besides the improvement actions:
# 23 queries at 10 records, 24 at 100 (where a part is counted).
CAMPAIGN_MAX_QUERIES = {"list": 12, "inbox": 16, "record": 30}
ACTION_MAX_QUERIES = {"list": 12, "inbox": 25, "record": 18}


def campaigns_for_review(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A product-marketing manager with ``n`` questionnaires to approve."""
    user = role_user("product_marketing_manager")
    managers = UserFactory.create_batch(3, roles=["marketing_manager"])
    records = [
        CampaignFactory(state=SurveyCampaign.State.REVIEW, created_by=managers[i % 3])
        for i in range(n)
    ]
    return Crowd(user, records, ["approve_questionnaire", "return_questionnaire"])


def actions_for_owner(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A salesperson owning ``n`` open improvement actions, each of its own
    customer's low score."""
    user = role_user("sales")
    campaign = CampaignFactory(state=SurveyCampaign.State.RUNNING)
    question = campaign.questions.filter(kind=QuestionKind.SCALE).first()
    records = [
        ImprovementFactory(
            answer=AnswerFactory(
                invitation=InvitationFactory(campaign=campaign), question=question
            ),
            owner=user,
        )
        for _ in range(n)
    ]
    return Crowd(user, records, ["improvement_done"])


def campaign_create_data(owner: Any) -> dict[str, Any]:
    year = free_year()
    return {
        "year": year,
        "title": f"Customer satisfaction survey {year}",
        "close_date": in_days(40).isoformat(),
        "intro": "Thank you for your support.",
    }


KITS = [
    ProcessKit(
        model=SurveyCampaign,
        factory=CampaignFactory,
        step_data=STEP_DATA,
        effects={
            "prepare": lambda r, u: r.questions.exists() and r.invitations.exists(),
            "send_survey": lambda r, u: not r.invitations.filter(sent_at__isnull=True).exists(),
            "submit_report": lambda r, u: r.reports.filter(submitted_by=u).exists(),
        },
        prepare=prepare,
        snapshot=campaign_rows,
        crowd=campaigns_for_review,
        max_queries=CAMPAIGN_MAX_QUERIES,
        list_texts=lambda r: [r.title],
        create_data=campaign_create_data,
    ),
    ProcessKit(
        model=ImprovementAction,
        factory=ImprovementFactory,
        step_data=STEP_DATA,
        effects={"improvement_verify": lambda r, u: r.verified_by_id == u.pk},
        crowd=actions_for_owner,
        max_queries=ACTION_MAX_QUERIES,
        list_texts=lambda r: [r.customer.name],
    ),
]
