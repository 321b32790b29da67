"""The research app's kit: factories for research plans and tasks, valid data
for their steps, what their steps do, and crowds for the query bounds."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import factory

from research.models import Question, ResearchPlan, ResearchTask
from tests.factories import RecordFactory, UserFactory, in_days
from tests.kits import Crowd, ProcessKit

# The kit's questionnaire: (text, kind, choices one a line)
QUESTIONS: list[tuple[str, str, str]] = [
    ("Which brands do you stock?", Question.Kind.TEXT, ""),
    ("What price range sells best?", Question.Kind.CHOICE, "Under 150 yuan\n150-250 yuan"),
    ("How satisfied are you with our delivery?", Question.Kind.SCALE, ""),
]
# The states in which a plan has its questionnaire (issued when the fieldwork starts).
ASKED_STATES = frozenset({"fieldwork", "reporting", "report_review", "completed"})


def questions_data(questions: list[tuple[str, str, str]] = QUESTIONS) -> dict[str, Any]:
    """The questionnaire's rows as the issuing step's form posts them."""
    data: dict[str, Any] = {}
    for n, (text, kind, choices) in enumerate(questions, start=1):
        data.update({f"question_{n}": text, f"kind_{n}": kind, f"choices_{n}": choices})
    return data


def ask(plan: ResearchPlan, questions: list[tuple[str, str, str]] = QUESTIONS) -> list[Question]:
    """Give ``plan`` its questionnaire as the issuing step writes it."""
    return Question.objects.bulk_create(
        Question(plan=plan, position=n, text=text, kind=kind, choices=choices)
        for n, (text, kind, choices) in enumerate(questions, start=1)
    )


class PlanFactory(RecordFactory):
    """An annual research plan of the next two months, drafted by a marketing
    manager; from the fieldwork on, with the kit's questionnaire (``questions=[]``
    for none, or a list of (text, kind, choices))."""

    class Meta:
        model = ResearchPlan
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory, roles=["marketing_manager"])
    created_by = factory.SelfAttribute("owner")
    title = factory.Sequence(lambda n: f"Kitchen appliance market {n:05d}")
    kind = ResearchPlan.Kind.ANNUAL
    period_start = factory.LazyFunction(lambda: in_days(0))
    period_end = factory.LazyFunction(lambda: in_days(60))
    objectives = "Where the competitors' new products stand, and what key accounts need."

    @factory.post_generation
    def questions(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        if extracted is None:
            extracted = QUESTIONS if self.state in ASKED_STATES else []
        ask(self, extracted)


class TaskFactory(RecordFactory):
    """A key-account manager's task of a plan in fieldwork, due in two weeks."""

    class Meta:
        model = ResearchTask

    plan = factory.SubFactory(PlanFactory, state=ResearchPlan.State.FIELDWORK)
    owner = factory.SubFactory(UserFactory, roles=["ka_manager"])
    created_by = factory.SubFactory(UserFactory, roles=["ka_dept_manager"])
    area = factory.Sequence(lambda n: f"South China region {n}")
    due_date = factory.LazyFunction(lambda: in_days(14))


def budget(*lines: tuple[str, str]) -> dict[str, Any]:
    """The budget table's fields as the form posts them."""
    data: dict[str, Any] = {}
    for n, (item, amount) in enumerate(lines, start=1):
        data[f"item_{n}"] = item
        data[f"amount_{n}"] = amount
    return data


FINDINGS = {
    "competitor_info": "Brand A launched a 1.5 L kettle at 199 yuan.",
    "product_info": "Glass kettles sell twice as well as steel ones.",
    "price_info": "Most sales between 150 and 250 yuan.",
    "customer_needs": "Shorter delivery, own-brand packaging.",
    "special_requirements": "CCC mark printed on the carton.",
}
# The answers to the kit's questionnaire, as the findings' form posts them.
ANSWERS = {"answer_1": "A, B, C", "answer_2": "150-250 yuan", "answer_3": "4"}

STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (ResearchPlan, "submit_plan"): lambda: {
        "objectives": "Competitors' new products and key accounts' needs.",
        "content": "Competitors, products, prices, customer needs.",
        "method": "Visits by the key-account managers with the questionnaire.",
        "schedule": "Weeks 1-2 fieldwork, week 3 report.",
        **budget(("Travel", "3000.00"), ("Gifts for respondents", "1200.50")),
    },
    (ResearchPlan, "issue_materials"): lambda: {
        **questions_data(),
        "collection_notes": "One form per customer visited.",
    },
    (ResearchPlan, "assign_task"): lambda: {
        "ka_manager": UserFactory(roles=["ka_manager"]).pk,
        "area": "Guangdong key accounts",
        "due_date": in_days(14),
        "training_notes": "How to ask about prices.",
    },
    (ResearchPlan, "submit_report"): lambda: {
        "report_competitors": "Brand A leads on price, brand B on design.",
        "report_customer_needs": "Shorter delivery and own-brand packaging.",
        "report_special_requirements": "CCC mark on cartons.",
        "report_conclusions": "Launch a glass kettle at 199 yuan.",
    },
    (ResearchTask, "submit_findings"): lambda: {**FINDINGS, **ANSWERS},
}

PLAN_EFFECTS = {
    "submit_plan": lambda r, u: (
        r.budget_total == Decimal("4200.50") and r.budget_lines.count() == 2
    ),
    "issue_materials": lambda r, u: (
        list(r.questions.values_list("position", "kind"))
        == [(1, "text"), (2, "choice"), (3, "scale")]
    ),
    "assign_task": lambda r, u: r.tasks.filter(created_by=u).exists(),
    "submit_report": lambda r, u: r.report_revisions.filter(submitted_by=u).exists(),
    "approve_report": lambda r, u: r.report_revisions.filter(approved_by=u).exists(),
}


def prepare_plan(record: ResearchPlan, name: str) -> None:
    """The review passes by the plan's type; the fieldwork closes on an accepted task;
    a report is approved once submitted."""
    kinds = {"pass_review": "annual", "pass_review_routine": "routine"}
    if name in kinds:
        ResearchPlan.objects.filter(pk=record.pk).update(kind=kinds[name])
        record.kind = kinds[name]
    if name == "close_fieldwork":
        TaskFactory(plan=record, state=ResearchTask.State.ACCEPTED)
    if name == "approve_report" and not record.report_revisions.exists():
        from research.services import report_freeze

        report_freeze(record=record, user=record.owner, data={})


def plan_extras(record: ResearchPlan) -> tuple[Any, ...]:
    return (
        record.budget_total,
        tuple(record.budget_lines.values_list("position", "item", "amount")),
        record.report_revisions.count(),
        record.kind,
        tuple(record.questions.values_list("position", "text", "kind", "choices")),
    )


# The bounds the contract suite holds the pages to at 10 and 100 records. The
# task inbox at 100 records counts its waiting part as well (a part counts its
# rows only from a page of them on), with a part for each process its user acts in: 17,
# the marketing manager's satisfaction surveys and improvement actions (2) and its
# promotion plans (1): 20.
MAX_QUERIES = {"list": 12, "inbox": 16, "record": 18}
TASK_MAX_QUERIES = {"list": 12, "inbox": 20, "record": 17}


def plans_for_review(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A product-marketing manager with ``n`` plans to review, of several drafters."""
    reviewer = role_user("product_marketing_manager")
    owners = UserFactory.create_batch(3, roles=["marketing_manager"])
    records = [PlanFactory(state="review", owner=owners[i % 3]) for i in range(n)]
    return Crowd(reviewer, records, ["return_plan", "pass_review", "pass_review_routine"])


def tasks_to_accept(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A marketing manager with ``n`` submitted tasks of two plans to check."""
    manager = role_user("marketing_manager")
    plans = [PlanFactory(state="fieldwork", owner=manager) for _ in range(2)]
    ka = UserFactory.create_batch(3, roles=["ka_manager"])
    records = [
        TaskFactory(state="submitted", plan=plans[i % 2], owner=ka[i % 3], **FINDINGS)
        for i in range(n)
    ]
    return Crowd(manager, records, ["return_findings", "accept_findings"])


def plan_create_data(owner: Any) -> dict[str, Any]:
    return {
        "title": "Small kitchen appliances, Q3",
        "kind": ResearchPlan.Kind.MAJOR,
        "period_start": in_days(1).isoformat(),
        "period_end": in_days(45).isoformat(),
        "owner": owner.pk,
        "objectives": "What the key accounts will buy next season.",
    }


def task_create_data(owner: Any) -> dict[str, Any]:
    """A task of a plan in fieldwork for ``owner``, a key-account manager."""
    return {
        "plan": PlanFactory(state=ResearchPlan.State.FIELDWORK).pk,
        "owner": owner.pk,
        "area": "Fujian key accounts",
        "due_date": in_days(10).isoformat(),
        "training_notes": "",
    }


KITS = [
    ProcessKit(
        model=ResearchPlan,
        factory=PlanFactory,
        step_data=STEP_DATA,
        effects=PLAN_EFFECTS,
        prepare=prepare_plan,
        snapshot=plan_extras,
        crowd=plans_for_review,
        max_queries=MAX_QUERIES,
        list_texts=lambda r: [r.title],
        create_data=plan_create_data,
    ),
    ProcessKit(
        model=ResearchTask,
        factory=TaskFactory,
        step_data=STEP_DATA,
        effects={
            "submit_findings": lambda r, u: (
                list(r.answers.order_by("question__position").values_list("value", flat=True))
                == ["A, B, C", "150-250 yuan", "4"]
            ),
            "accept_findings": lambda r, u: r.state == "accepted",
        },
        snapshot=lambda r: (
            r.plan.state,
            r.customer_needs,
            tuple(r.answers.values_list("question_id", "value")),
        ),
        crowd=tasks_to_accept,
        max_queries=TASK_MAX_QUERIES,
        list_texts=lambda r: [r.area],
        create_data=task_create_data,
    ),
]

# The property surveys' kits (楼盘调研), kept in their own module.
from tests.research.kit_property import KITS as PROPERTY_KITS  # noqa: E402

KITS = [*KITS, *PROPERTY_KITS]
