"""The promotion plan (《市场推广计划指导书》, 市场推广策划流程): approved in turn
by the department manager, the technical director and the general manager,
any of whom may return it; carried out action by action by the key-account
department manager, and done when the last action is."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django_fsm_log.models import StateLog

from research.models_plans import PromotionPlan
from tests.factories import in_days
from tests.kits import post_data
from tests.research.kit import PlanFactory
from tests.salesplan.kit import PromotionPlanFactory, actions_data
from tests.workflow_checks import step_url

pytestmark = pytest.mark.django_db

APPROVERS = (
    ("promotion_dept_approve", "ka_dept_manager", "tech_approval"),
    ("promotion_tech_approve", "tech_director", "gm_approval"),
    ("promotion_gm_approve", "gm", "executing"),
)


def take(client, record, name, **data):
    record.refresh_from_db()
    return client.post(step_url(record, name), post_data(record, name, seq=record.step_seq, **data))


def test_the_plan_is_approved_in_turn_and_carried_out_to_done(client_for, role_user):
    plan = PromotionPlanFactory()
    assert take(client_for(plan.owner), plan, "submit_promotion").status_code == 302
    plan.refresh_from_db()
    assert plan.state == "dept_approval" and plan.budget_total == Decimal("5000.50")

    for name, role, then in APPROVERS:
        assert take(client_for(role_user(role)), plan, name).status_code == 302
        plan.refresh_from_db()
        assert plan.state == then

    dept = client_for(role_user("ka_dept_manager"))
    # Two actions: the first marks one done, the plan stays in execution...
    take(dept, plan, "promotion_last_action_done")  # refused: the button says why
    plan.refresh_from_db()
    assert plan.state == "executing" and not plan.actions.filter(done_at__isnull=False).exists()
    assert take(dept, plan, "promotion_action_done", action=2).status_code == 302
    plan.refresh_from_db()
    assert plan.state == "executing"
    # ...and the second is the last one: the plan is done.
    response = take(dept, plan, "promotion_last_action_done", action=1, note="Price agreed.")
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == "done"
    assert list(plan.actions.values_list("done_note", flat=True)) == [
        "Price agreed.",
        "Held; 40 buyers came.",
    ]


@pytest.mark.parametrize("stage", range(3))
def test_each_approver_may_return_the_plan_with_comments(client_for, role_user, stage):
    _name, role, _then = APPROVERS[stage]
    source = ["dept_approval", "tech_approval", "gm_approval"][stage]
    plan = PromotionPlanFactory(state=source)
    client = client_for(role_user(role))
    refused = take(client, plan, "promotion_return", comment="")
    assert refused.status_code != 302
    assert PromotionPlan.objects.get(pk=plan.pk).state == source
    assert take(client, plan, "promotion_return", comment="请补充预算依据。").status_code == 302
    plan.refresh_from_db()
    assert plan.state == "draft"
    assert StateLog.objects.for_(plan).get(transition="promotion_return").description == (
        "请补充预算依据。"
    )


def test_an_action_done_twice_is_refused(client_for, role_user):
    plan = PromotionPlanFactory(state="executing", actions=3)
    dept = client_for(role_user("ka_dept_manager"))
    assert take(dept, plan, "promotion_action_done", action=1).status_code == 302
    response = take(dept, plan, "promotion_action_done", action=1)
    assert response.status_code != 302
    assert "Choose one of the plan&#x27;s open actions." in response.content.decode() or (
        "open actions" in response.content.decode()
    )
    assert plan.actions.filter(done_at__isnull=False).count() == 1


def test_an_action_ending_before_it_starts_is_a_field_error(client_for):
    plan = PromotionPlanFactory()
    response = take(
        client_for(plan.owner),
        plan,
        "submit_promotion",
        **actions_data(("Roadshow", "Kim", in_days(9), in_days(3), "10")),
    )
    assert "An action cannot end before it starts." in response.content.decode()
    plan.refresh_from_db()
    assert plan.state == "draft" and not plan.actions.exists()


def test_a_plan_started_from_a_completed_research_plan(client_for):
    research = PlanFactory(state="completed")
    draft = PlanFactory(state="draft")
    plan = PromotionPlanFactory()
    client = client_for(plan.owner)
    page = client.get(reverse("research:promotionplan_create")).content.decode()
    assert research.title in page and draft.title not in page
    response = client.post(
        reverse("research:promotionplan_create"),
        {
            "title": "Kettle launch",
            "research_plan": research.pk,
            "owner": plan.owner.pk,
            "goals": "Launch it.",
        },
    )
    assert response.status_code == 302
    assert PromotionPlan.objects.get(title="Kettle launch").research_plan == research


def test_the_printout_in_chinese(client_for):
    plan = PromotionPlanFactory(state="executing")
    text = (
        client_for(plan.owner, language="zh-hans")
        .get(reverse("research:promotionplan_print", args=[plan.pk]))
        .content.decode()
    )
    assert "市场推广计划指导书" in text and "Roadshow 1" in text
