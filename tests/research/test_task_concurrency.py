"""Two key-account managers submit their findings at the same moment, and the
marketing manager accepts the last two tasks at once: each task is its own
record, and the plan moves to the report exactly once.

Needs PostgreSQL (SQLite has no row locks): run with
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from django_fsm_log.models import StateLog

from research.models import ResearchPlan, ResearchTask
from tests.kits import post_data
from tests.research.kit import FINDINGS, PlanFactory, TaskFactory
from tests.workflow_checks import together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def step_url(task: ResearchTask, name: str) -> str:
    return reverse("research:researchtask_step", kwargs={"pk": task.pk, "name": name})


def test_two_ka_managers_submit_at_once_and_both_are_kept(client_for):
    plan = PlanFactory(state="fieldwork")
    tasks = TaskFactory.create_batch(2, plan=plan)

    outcomes = together(
        *(
            lambda t=task: client_for(t.owner).post(
                step_url(t, "submit_findings"), post_data(t, "submit_findings", seq=1)
            )
            for task in tasks
        )
    )

    assert [r.status_code for r in outcomes] == [302, 302]
    assert set(ResearchTask.objects.filter(plan=plan).values_list("state", flat=True)) == {
        "submitted"
    }


def test_the_last_two_tasks_accepted_at_once_move_the_plan_once(role_user, client_for):
    plan = PlanFactory(state="fieldwork")
    tasks = TaskFactory.create_batch(2, plan=plan, state="submitted", **FINDINGS)
    managers = [role_user("marketing_manager"), role_user("marketing_manager", "gm")]

    outcomes = together(
        *(
            lambda t=task, m=manager: client_for(m).post(
                step_url(t, "accept_findings"), post_data(t, "accept_findings", seq=1)
            )
            for task, manager in zip(tasks, managers, strict=True)
        )
    )

    assert [r.status_code for r in outcomes] == [302, 302]
    plan = ResearchPlan.objects.get(pk=plan.pk)
    assert plan.state == "reporting"
    assert StateLog.objects.for_(plan).filter(transition="close_fieldwork").count() == 1
