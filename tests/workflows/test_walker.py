"""The walker (``workflows.walker``) that demo data and tests take records
through their steps with: who it picks for a step, the signatures it gives
before a step that waits for them, the paths it finds, and that it goes
through the one service, so a walk cannot do what the process forbids."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django_fsm_log.models import StateLog

from tests.factories import UserFactory, in_days
from tests.testflows.kit import JobFactory, ReviewFactory
from tests.testflows.models import Job, Review
from workflows.models import SignOff
from workflows.services import StepNotAvailable, signoff_record
from workflows.walker import SignAll, Walker, path_to

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def people() -> dict[str, Any]:
    """One user a role, made when first asked for."""
    return {}


@pytest.fixture
def plain(people: dict[str, Any]) -> Walker:
    """A walker knowing one user a role, with no data of its own."""

    def user_for(role: str) -> Any:
        if role not in people:
            people[role] = UserFactory(roles=[role])
        return people[role]

    return Walker(user_for=user_for)


def test_the_shortest_path_follows_the_declarations_and_leaves_out_loops():
    assert path_to(Job, "new", "new") == []
    assert path_to(Job, "new", "checking") == ["schedule", "start", "submit"]
    assert path_to(Job, "outsourced", "delivered") == ["take_back", "submit", "pass_check"]
    assert path_to(Review, "draft", "approved") == ["consult", "forward", "approve"]
    with pytest.raises(LookupError, match="no path from accepted to new"):
        path_to(Job, "accepted", "new")


def test_a_step_is_taken_by_its_first_role_and_an_owners_step_by_the_owner(plain, people):
    record = JobFactory(state="delivered")
    requester = record.requester

    assert plain.actor(record, "accept") == requester  # OwnerOnly("requester")
    assert plain.actor(record, "pass_check") == people["qa"]
    assert plain.actor(JobFactory(), "schedule") == people["sales_assistant"]


def test_a_step_a_rule_keeps_from_the_first_user_goes_to_someone_else_of_the_role(people):
    manager = UserFactory(roles=["marketing_manager", "bd"])
    record = ReviewFactory(state="deciding", created_by=manager)
    asked: list[tuple[str, Any]] = []

    def another(role: str, user: Any) -> Any:
        asked.append((role, user))
        return UserFactory(roles=[role])

    walker = Walker(user_for=lambda role: manager, another=another)

    other = walker.actor(record, "approve")

    assert asked == [("marketing_manager", manager)]
    assert other != manager and other.groups.filter(name="marketing_manager").exists()
    with pytest.raises(LookupError, match="knows nobody else holding the role"):
        Walker(user_for=lambda role: manager).actor(record, "approve")


def test_a_walk_takes_each_step_through_the_service_with_the_paths_data(plain, people):
    record = JobFactory()

    record = plain.walk(
        record,
        [
            ("schedule", {"quantity": 3, "due_date": in_days(9), "plan": "Cut, then check"}),
            "start",
            ("outsource", {"return_date": in_days(3)}),
        ],
    )

    assert (record.state, record.plan, record.return_date) == (
        "outsourced",
        "Cut, then check",
        in_days(3),
    )
    logs = list(StateLog.objects.for_(record).order_by("pk").values_list("transition", "by"))
    assert logs == [
        ("create", record.requester_id),
        ("schedule", people["sales_assistant"].pk),
        ("start", people["sample_room"].pk),
        ("outsource", people["pmc"].pk),
    ]


def test_the_walkers_data_is_laid_under_the_paths():
    given = []

    def data_for(model: type, name: str) -> dict[str, Any]:
        given.append((model, name))
        return {"quantity": 2, "due_date": in_days(4), "plan": "The walker's plan"}

    walker = Walker(user_for=lambda role: UserFactory(roles=[role]), data_for=data_for)

    record = walker.take(JobFactory(), "schedule", {"plan": "The path's plan"})

    assert given == [(Job, "schedule")]
    assert (record.plan, record.due_date) == ("The path's plan", in_days(4))


def test_every_department_signs_before_a_step_that_waits_for_them(plain, people):
    record = JobFactory(state="rejected")
    prepared: list[str] = []
    plain.prepare = lambda record, name: prepared.append(name)
    plain.sign_comment = lambda role: f"{role} read it"
    signoff_record(record=record, user=UserFactory(roles=["qa"]), role="qa", decision="agree")

    record = plain.take(record, "redo", {"due_date": in_days(5)})

    assert record.state == "redone"
    assert prepared == ["redo"]
    signed = SignOff.objects.filter(object_id=record.pk).order_by("pk")
    # QA had signed already; only the sample room signs, with the walker's comment.
    assert list(signed.values_list("role", "comment")) == [
        ("qa", ""),
        ("sample_room", "sample_room read it"),
    ]
    assert signed.last().user == people["sample_room"]


def test_a_path_signs_where_it_says_with_each_departments_comment(plain, people):
    record = ReviewFactory(state="consulting")

    record = plain.walk(record, [SignAll({"strategy": "Lead with price.", "finance": "Fine."})])

    assert record.state == "consulting"  # signing moves nothing
    assert list(
        SignOff.objects.filter(object_id=record.pk).order_by("pk").values_list("role", "comment")
    ) == [("strategy", "Lead with price."), ("finance", "Fine.")]


def test_a_walk_to_a_state_goes_along_the_shortest_path(plain):
    plain.data_for = lambda model, name: (
        {"summary": "Two options.", "priority": "low"} if name == "consult" else {}
    )

    record = plain(ReviewFactory(), "deciding")

    assert record.state == "deciding"
    assert [log.transition for log in StateLog.objects.for_(record).order_by("pk")] == [
        "create",
        "consult",
        "forward",
    ]


def test_a_walk_cannot_do_what_the_process_forbids(plain):
    record = JobFactory(state="planned")

    with pytest.raises(StepNotAvailable, match="is not possible while the record is"):
        plain.take(record, "submit")
    record.refresh_from_db()
    assert (record.state, record.step_seq) == ("planned", 1)


def test_the_test_processes_migrations_match_their_models():
    call_command("makemigrations", "testflows", "--check", "--dry-run", verbosity=0)
