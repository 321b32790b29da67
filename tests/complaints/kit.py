"""The complaints app's kit: factories for complaints and their actions,
valid data for their steps, what their steps do, and crowds for the query
bounds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import factory

from complaints.models import Complaint, ComplaintAction, DefectCategory, Severity
from tests.factories import CustomerFactory, RecordFactory, UserFactory, in_days
from tests.kits import Crowd, ProcessKit


class DefectCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DefectCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"Defect {n:03d}")


class ComplaintFactory(RecordFactory):
    class Meta:
        model = Complaint

    customer = factory.SubFactory(CustomerFactory)
    salesperson = factory.SubFactory(UserFactory, roles=["sales"])
    created_by = factory.SelfAttribute("salesperson")
    received_on = factory.LazyFunction(lambda: in_days(-1))
    channel = Complaint.Channel.EMAIL
    product_name = factory.Sequence(lambda n: f"Vacuum flask {n:05d}")
    description = "Lids leak after a day; 40 of 500 pieces."
    remedy = Complaint.Remedy.REPLACEMENT
    severity = Severity.MAJOR
    category = factory.SubFactory(DefectCategoryFactory)


class ActionFactory(RecordFactory):
    class Meta:
        model = ComplaintAction

    complaint = factory.SubFactory(ComplaintFactory, state=Complaint.State.ACTIONS)
    owner = factory.SubFactory(UserFactory, roles=["production"])
    created_by = factory.SelfAttribute("owner")
    kind = ComplaintAction.Kind.CORRECTIVE
    action = "Replace the worn sealing-ring die"
    due_date = factory.LazyFunction(lambda: in_days(10))


def _member(role: str = "production") -> int:
    return UserFactory(roles=[role]).pk


REPLY = {
    "reply": "8D report sent; replacement shipped.",
    "reply_on": None,
    "reply_channel": Complaint.Channel.EMAIL,
}


def _reply() -> dict[str, Any]:
    return {**REPLY, "reply_on": in_days(0)}


STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (Complaint, "acknowledge"): lambda: {
        "acknowledgement": "Told Mr. Huang by email that QA investigates; reply within a week.",
    },
    (Complaint, "define_problem"): lambda: {
        "team": _member(),
        "problem_what": "Lid does not seal: water leaks when the flask is upside down.",
        "problem_where": "Customer's warehouse, Guangzhou",
        "problem_when": "Delivery of 2026-11-20",
        "problem_how_many": 40,
        "containment": "Stock of the lot quarantined and sorted: 12 more leaking lids found.",
        "containment_owner": "Li Wei (warehouse)",
        "containment_done_on": in_days(0),
    },
    (Complaint, "record_root_cause"): lambda: {
        "occurrence_why1": "The sealing ring is too thin",
        "occurrence_why2": "The ring die is worn",
        "occurrence_why3": "The die has no replacement interval",
        "occurrence_category": "machine",
        "escape_why1": "The leak test samples 2 pieces a lot",
        "escape_why2": "The sampling plan predates the new lid",
        "escape_category": "method",
    },
    (Complaint, "add_action"): lambda: {
        "kind": ComplaintAction.Kind.CORRECTIVE,
        "action": "Replace the ring die; leak-test 100% of the next three lots",
        "owner": _member(),
        "due_date": in_days(7),
    },
    (Complaint, "propose_solution"): lambda: {
        "solution": "New die, a die replacement interval, and a leak test of every lid for 3 lots.",
    },
    (Complaint, "close"): _reply,
    (Complaint, "reopen"): lambda: {
        **_reply(),
        "reply": "The customer wants the root cause of the thin rings at the supplier too.",
    },
    (Complaint, "confirm_effective"): lambda: {
        "effectiveness": "No leak in the three lots since; the customer confirmed.",
    },
    (Complaint, "not_effective"): lambda: {
        "effectiveness": "Leaking lids again in the December lot.",
    },
    (ComplaintAction, "action_done"): lambda: {
        "done_on": in_days(0),
        "evidence": "Die replaced on line 3; leak-test records of lots 1–3 attached.",
    },
}

COMPLAINT_EFFECTS = {
    "acknowledge": lambda r, u: r.acknowledged_at is not None and r.investigation_started_on,
    "define_problem": lambda r, u: r.team.exists(),
    "add_action": lambda r, u: r.actions.filter(created_by=u).exists(),
    "propose_solution": lambda r, u: r.solution_by_id == u.pk,
    "approve_solution": lambda r, u: r.approved_by_id == u.pk and r.approved_at,
    "return_solution": lambda r, u: r.solution_by_id is None,
    "close": lambda r, u: r.closed_at is not None,
    "reopen": lambda r, u: r.round == 2 and r.rounds.filter(number=1).exists(),
    "not_effective": lambda r, u: r.round == 2 and r.rounds.filter(number=1).exists(),
}


def prepare(record: Complaint, name: str) -> None:
    """A solution is proposed once the round has a corrective action; the
    complaint is closed once its actions are verified."""
    if name == "propose_solution" and not record.actions.filter(round=record.round).exists():
        ActionFactory(complaint=record, round=record.round)
    if name == "close":
        record.actions.update(state=ComplaintAction.State.VERIFIED)


def complaint_rows(record: Complaint) -> tuple[Any, ...]:
    return (
        record.round,
        record.rounds.count(),
        record.actions.count(),
        tuple(record.team.values_list("pk", flat=True)),
    )


# Measured with 10 and 100 records: complaints list 10, inbox 11-12, record
# 17 (its actions, rounds, earlier complaints and team among them); actions
# list 10, inbox 11-12, record 14.
# At 100 records the complaints' inbox counts its parts too (a part is counted
# from a full page on): one query more than at 10.
MAX_QUERIES = {"list": 12, "inbox": 16, "record": 21}
ACTION_MAX_QUERIES = {"list": 12, "inbox": 15, "record": 17}


def complaints_for_qa(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A QA user with ``n`` complaints to investigate, of several customers and salespeople."""
    user = role_user("qa")
    customers = CustomerFactory.create_batch(3)
    sales = UserFactory.create_batch(3, roles=["sales"])
    category = DefectCategoryFactory()
    records = [
        ComplaintFactory(
            state=Complaint.State.INVESTIGATING,
            customer=customers[i % 3],
            salesperson=sales[i % 3],
            category=category,
        )
        for i in range(n)
    ]
    return Crowd(user, records, ["define_problem"])


def actions_for_owner(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A production user owning ``n`` open actions of several complaints."""
    user = role_user("production")
    complaints = [ComplaintFactory(state=Complaint.State.APPROVED) for _ in range(3)]
    records = [ActionFactory(complaint=complaints[i % 3], owner=user) for i in range(n)]
    return Crowd(user, records, ["action_done"])


def complaint_create_data(owner: Any) -> dict[str, Any]:
    return {
        "customer": CustomerFactory().pk,
        "salesperson": owner.pk,
        "received_on": in_days(0).isoformat(),
        "channel": Complaint.Channel.PHONE,
        "product_name": "Vacuum flask 500 ml",
        "description": "Dents on the body of 30 flasks.",
        "remedy": Complaint.Remedy.CREDIT,
        "severity": Severity.MINOR,
        "category": DefectCategoryFactory().pk,
    }


KITS = [
    ProcessKit(
        model=Complaint,
        factory=ComplaintFactory,
        step_data=STEP_DATA,
        effects=COMPLAINT_EFFECTS,
        prepare=prepare,
        snapshot=complaint_rows,
        crowd=complaints_for_qa,
        max_queries=MAX_QUERIES,
        list_texts=lambda r: [r.customer.name, r.product_name],
        create_data=complaint_create_data,
    ),
    ProcessKit(
        model=ComplaintAction,
        factory=ActionFactory,
        step_data=STEP_DATA,
        effects={"action_verify": lambda r, u: r.verified_by_id == u.pk},
        crowd=actions_for_owner,
        max_queries=ACTION_MAX_QUERIES,
        list_texts=lambda r: [r.complaint.reference],
    ),
]
