"""The test processes' kit: factories for jobs and reviews, valid data for their
steps, what their steps do, and their crowds for the query bounds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import factory

from tests.factories import CustomerFactory, RecordFactory, UserFactory, in_days
from tests.kits import Crowd, ProcessKit

from .models import Job, Review


class JobFactory(RecordFactory):
    class Meta:
        model = Job

    customer = factory.SubFactory(CustomerFactory)
    requester = factory.SubFactory(UserFactory, roles=["sales"])
    created_by = factory.SelfAttribute("requester")
    title = factory.Sequence(lambda n: f"Job {n:05d}")
    details = "Two of them, packed in pairs."
    due_date = factory.LazyFunction(lambda: in_days(14))


class ReviewFactory(RecordFactory):
    class Meta:
        model = Review

    created_by = factory.SubFactory(UserFactory, roles=["bd"])
    title = factory.Sequence(lambda n: f"Review {n:05d}")
    deadline = factory.LazyFunction(lambda: in_days(30))


STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (Job, "schedule"): lambda: {
        "quantity": 2,
        "due_date": in_days(10),
        "plan": "Cut, assemble, check",
    },
    (Job, "outsource"): lambda: {"return_date": in_days(5)},
    (Job, "accept"): lambda: {"feedback": "Just what we wanted.", "received_on": in_days(-1)},
    (Job, "reject"): lambda: {"feedback": "Wrong colour."},
    (Job, "redo"): lambda: {"due_date": in_days(12)},
    (Review, "consult"): lambda: {
        "summary": "Three options, the second preferred.",
        "priority": "high",
        "opinions_due": in_days(7),
    },
}

JOB_EFFECTS = {
    "schedule": lambda r, u: r.planner_id == u.pk,
    "start": lambda r, u: r.started_at is not None,
    "pass_check": lambda r, u: r.checked_by_id == u.pk,
    "fail_check": lambda r, u: r.checked_by_id == u.pk and r.rework_count == 1,
    "redo": lambda r, u: Job.objects.filter(previous=r, state="planned").exists(),
}

REVIEW_EFFECTS = {
    "approve": lambda r, u: r.decided_by_id == u.pk,
    "decline": lambda r, u: r.decided_by_id == u.pk,
}

# Measured: list 9, inbox 11-12, record 12; as the processes' bounds (the
# inbox with the orders' contract changes' part: two queries for a salesperson).
MAX_QUERIES = {"list": 12, "inbox": 17, "record": 15}


def jobs_to_schedule(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A sales assistant with ``n`` new jobs to schedule, from three requesters."""
    assistant = role_user("sales_assistant")
    requesters = UserFactory.create_batch(3, roles=["sales"])
    records = [JobFactory(requester=requesters[i % 3]) for i in range(n)]
    return Crowd(assistant, records, ["schedule"])


def reviews_to_summarise(n: int, role_user: Callable[..., Any]) -> Crowd:
    """The creative department with ``n`` drafts to summarise, from three authors."""
    creative = role_user("creative")
    authors = UserFactory.create_batch(3, roles=["bd"])
    records = [ReviewFactory(created_by=authors[i % 3]) for i in range(n)]
    return Crowd(creative, records, ["consult"])


def job_create_data(owner: Any) -> dict[str, Any]:
    return {
        "kind": "standard",
        "customer": CustomerFactory().pk,
        "requester": owner.pk,
        "title": "Two chairs",
        "quantity": 2,
        "due_date": in_days(9).isoformat(),
    }


def review_create_data(owner: Any) -> dict[str, Any]:
    return {"title": "Autumn campaign", "deadline": in_days(20).isoformat()}


KITS = [
    ProcessKit(
        model=Job,
        factory=JobFactory,
        step_data=STEP_DATA,
        effects=JOB_EFFECTS,
        crowd=jobs_to_schedule,
        max_queries=MAX_QUERIES,
        create_data=job_create_data,
        snapshot=lambda r: (r.planner_id, r.checked_by_id, r.rework_count, r.feedback),
    ),
    ProcessKit(
        model=Review,
        factory=ReviewFactory,
        step_data=STEP_DATA,
        effects=REVIEW_EFFECTS,
        crowd=reviews_to_summarise,
        max_queries=MAX_QUERIES,
        create_data=review_create_data,
        snapshot=lambda r: (r.decided_by_id, r.summary),
        within_final_deadline=lambda name, day: {"opinions_due": day} if name == "consult" else {},
    ),
]
