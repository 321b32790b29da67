"""What the research plan's declarations cannot say: the budget step taken or
skipped by the plan's type, the four signatures, the fieldwork's tasks
closing it, the report's frozen revisions and the bad input the steps refuse."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_fsm_log.models import StateLog

from research.models import ResearchPlan, ResearchTask
from tests.factories import UserFactory, in_days, make_png
from tests.kits import post_data, snapshot
from tests.research.kit import FINDINGS, PlanFactory, TaskFactory, budget
from workflows.models import SignOff
from workflows.services import StepNotAvailable, signoff_record, transition_perform
from workflows.walker import SignAll

pytestmark = pytest.mark.django_db

SIGNERS = ("product_marketing_manager", "tech_director", "gm", "ka_dept_manager")


def step_url(record: ResearchPlan | ResearchTask, name: str) -> str:
    model = record._meta.model_name
    return reverse(f"research:{model}_step", kwargs={"pk": record.pk, "name": name})


@pytest.mark.parametrize("kind", ["annual", "monthly", "major"])
def test_a_budgeted_plan_goes_to_the_division_gm_then_the_gm(kind, advance):
    plan = advance(PlanFactory(kind=kind, state="review"), "budget_approval")
    assert [t.name for t in plan.current_transitions() if t.name.startswith("pass")] == []
    plan = advance.walk(plan, ["approve_budget", ("gm_approve", {"comment": "同意"})])
    assert plan.state == "sign_off"


def test_a_routine_plan_skips_the_budget_approval(advance, role_user, client_for):
    plan = PlanFactory(kind="routine", state="review")
    client = client_for(role_user("product_marketing_manager"))
    before = snapshot(plan)

    refused = client.post(step_url(plan, "pass_review"), post_data(plan, "pass_review", seq=1))

    assert refused.status_code in (302, 400, 409)
    assert snapshot(plan) == before
    taken = client.post(
        step_url(plan, "pass_review_routine"), post_data(plan, "pass_review_routine", seq=1)
    )
    assert taken.status_code == 302
    assert ResearchPlan.objects.get(pk=plan.pk).state == "sign_off"


def test_submitting_the_plan_totals_its_budget_lines_on_the_server(role_user, client_for):
    owner = role_user("marketing_manager")
    plan = PlanFactory(owner=owner)
    data = post_data(plan, "submit_plan", seq=1)
    data.update(budget(("Travel", "1000.10"), ("Printing", "250.25"), ("Gifts", "0.05")))
    data["budget_total"] = "999999"  # never read

    response = client_for(owner).post(step_url(plan, "submit_plan"), data)

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == "review"
    assert plan.budget_total == Decimal("1250.40")
    assert list(plan.budget_lines.values_list("item", "amount")) == [
        ("Travel", Decimal("1000.10")),
        ("Printing", Decimal("250.25")),
        ("Gifts", Decimal("0.05")),
    ]


@pytest.mark.parametrize(
    ("lines", "field", "message"),
    [
        ((("Travel", "-100"),), "amount_1", "A budget amount cannot be negative."),
        ((("Travel", ""),), "amount_1", "Give the amount of this budget item."),
        ((("", "300"),), "item_1", "Say what this amount is for."),
        ((), None, "The budget needs at least one line."),
    ],
)
def test_a_bad_budget_is_refused_with_a_clear_message(lines, field, message, role_user, client_for):
    owner = role_user("marketing_manager")
    plan = PlanFactory(owner=owner)
    data = post_data(plan, "submit_plan", seq=1)
    for n in range(1, 7):
        data.pop(f"item_{n}", None)
        data.pop(f"amount_{n}", None)
    data.update(budget(*lines))
    before = snapshot(plan)

    response = client_for(owner).post(step_url(plan, "submit_plan"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(plan) == before
    assert not plan.budget_lines.exists()
    if field:
        assert field in response.content.decode()


def test_all_four_signatures_are_needed_and_their_page_names_who_must_still_sign(
    advance, role_user, client_for
):
    plan = PlanFactory(kind="routine", state="sign_off")
    for role in SIGNERS[:3]:
        signoff_record(record=plan, user=role_user(role), role=role, decision="agree")
    with pytest.raises(StepNotAvailable):
        transition_perform(
            record=plan, name="approve_plan", user=role_user(SIGNERS[0]), data={"comment": ""}
        )

    page = client_for(role_user("marketing_manager")).get(plan.get_absolute_url())
    assert "Key-account department manager" in page.content.decode()

    signoff_record(record=plan, user=role_user(SIGNERS[3]), role=SIGNERS[3], decision="agree")
    plan = transition_perform(
        record=plan, name="approve_plan", user=role_user(SIGNERS[0]), data={"comment": ""}
    )
    assert plan.state == "approved"
    assert set(SignOff.objects.filter(object_id=plan.pk).values_list("role", flat=True)) == set(
        SIGNERS
    )


def test_a_refused_signature_returns_the_plan_to_its_drafter_with_the_reason(role_user):
    plan = PlanFactory(kind="routine", state="sign_off")
    signoff_record(record=plan, user=role_user("gm"), role="gm", decision="agree")
    signoff_record(
        record=plan,
        user=role_user("tech_director"),
        role="tech_director",
        decision="refuse",
        comment="调研内容缺少技术参数对比。",
    )
    plan.refresh_from_db()
    assert plan.state == "draft"
    log = StateLog.objects.for_(plan).order_by("-pk").first()
    assert log.transition == "return_from_sign_off"
    assert log.description == "Technical director: 调研内容缺少技术参数对比。"


def test_a_task_is_returned_and_resubmitted(advance, role_user):
    task = TaskFactory(state="submitted", **FINDINGS)
    task = advance.walk(task, [("return_findings", {"comment": "Where do the prices come from?"})])
    assert task.state == "assigned"
    assert task.step_due_at is not None
    task = advance.walk(task, [("submit_findings", {"price_info": "Shop visits, 12 stores."})])
    assert (task.state, task.price_info) == ("submitted", "Shop visits, 12 stores.")


def test_the_plan_waits_for_every_task_before_the_report(advance, role_user):
    plan = PlanFactory(state="fieldwork")
    done = TaskFactory(plan=plan, state="submitted", **FINDINGS)
    open_task = TaskFactory(plan=plan)

    advance.walk(done, ["accept_findings"])
    plan.refresh_from_db()
    assert plan.state == "fieldwork"
    with pytest.raises(StepNotAvailable):
        transition_perform(
            record=plan, name="close_fieldwork", user=role_user("marketing_manager"), data={}
        )

    advance.walk(open_task, ["submit_findings", "accept_findings"])
    plan.refresh_from_db()
    assert plan.state == "reporting"  # moved on by the last acceptance


def test_assigning_a_task_opens_it_in_the_ka_managers_inbox(role_user, client_for):
    plan = PlanFactory(state="fieldwork", period_end=in_days(30))
    ka = UserFactory(roles=["ka_manager"])
    client = client_for(role_user("ka_dept_manager"))
    data = post_data(plan, "assign_task", seq=plan.step_seq, ka_manager=ka.pk)

    response = client.post(step_url(plan, "assign_task"), data)

    task = ResearchTask.objects.get(plan=plan)
    assert response.status_code == 302
    assert (task.owner, task.state, task.due_date) == (ka, "assigned", in_days(14))
    assert task.step_due_at is not None
    inbox = client_for(ka).get(reverse("workflows:inbox"))
    assert task.reference in inbox.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"due_date": in_days(31)}, "The task must be due by the end of the research"),
        ("not_ka", "A research task goes to a key-account manager only."),
        ("twice", "This key-account manager already has a task in this plan."),
    ],
)
def test_a_bad_task_is_refused_with_a_clear_message(change, message, role_user, client_for):
    plan = PlanFactory(state="fieldwork", period_end=in_days(30))
    ka = UserFactory(roles=["ka_manager"])
    overrides: dict = {"ka_manager": ka.pk}
    if change == "not_ka":
        overrides["ka_manager"] = UserFactory(roles=["sales"]).pk
    elif change == "twice":
        TaskFactory(plan=plan, owner=ka)
    else:
        overrides.update(change)
    plan.refresh_from_db()
    before = snapshot(plan)
    tasks = ResearchTask.objects.count()

    response = client_for(role_user("ka_dept_manager")).post(
        step_url(plan, "assign_task"),
        post_data(plan, "assign_task", seq=plan.step_seq, **overrides),
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(plan) == before
    assert ResearchTask.objects.count() == tasks


def test_findings_over_their_size_limit_are_refused(role_user, client_for):
    task = TaskFactory()
    data = post_data(task, "submit_findings", seq=1, customer_needs="x" * 4001)
    before = snapshot(task)

    response = client_for(task.owner).post(step_url(task, "submit_findings"), data)

    assert response.status_code == 400
    assert "at most 4000 characters" in response.content.decode()
    assert snapshot(task) == before


def test_a_submitted_report_is_frozen_and_a_returned_one_is_a_new_revision(advance):
    plan = PlanFactory(state="reporting")
    plan = advance.walk(plan, ["submit_report"])
    first = plan.report_revisions.get()
    plan = advance.walk(
        plan,
        [
            ("return_report", {"comment": "Name a price."}),
            ("submit_report", {"report_conclusions": "Launch at 199 yuan."}),
            "approve_report",
        ],
    )
    first.refresh_from_db()
    revisions = list(plan.report_revisions.order_by("revision"))
    assert plan.state == "completed"
    assert [r.revision for r in revisions] == [1, 2]
    assert revisions[0].conclusions == first.conclusions != "Launch at 199 yuan."
    assert revisions[1].conclusions == "Launch at 199 yuan."
    assert revisions[0].approved_at is None and revisions[1].approved_at is not None


def test_the_printouts_bear_the_seed_words_and_the_signatures(advance, role_user, client_for):
    plan = advance(PlanFactory(kind="routine"), "approved")
    client = client_for(role_user("marketing_manager"), language="zh-hans")
    page = client.get(reverse("research:researchplan_print", kwargs={"pk": plan.pk}))
    text = page.content.decode()
    assert page.status_code == 200
    assert "市场调研策划书" in text and "SC-001" in text
    for label in ("产品市场部经理", "技术总监", "总经理", "大客户部经理"):
        assert label in text
    plan = advance.walk(plan, ["issue_materials"])
    task = TaskFactory(plan=plan, state="submitted", **FINDINGS)
    advance.walk(task, ["accept_findings"])
    plan.refresh_from_db()
    plan = advance.walk(plan, ["submit_report", "approve_report"])
    report = client.get(reverse("research:report_print", kwargs={"pk": plan.pk, "revision": 1}))
    assert report.status_code == 200
    assert "市场调研报告" in report.content.decode()


def test_the_plan_page_with_50_tasks_makes_a_bounded_number_of_queries(
    role_user, client_for, django_assert_max_num_queries
):
    manager = role_user("marketing_manager")
    plan = PlanFactory(state="fieldwork", owner=manager)
    kas = UserFactory.create_batch(50, roles=["ka_manager"])
    for ka in kas:
        TaskFactory(plan=plan, owner=ka)
    client = client_for(manager)
    client.get(plan.get_absolute_url())  # warm the caches

    with django_assert_max_num_queries(20):  # 17 measured, whatever the number of tasks
        page = client.get(plan.get_absolute_url())
    assert page.status_code == 200
    assert page.content.decode().count("RT-") >= 50


def test_walking_a_plan_from_draft_to_completed_signs_it_four_times(advance):
    plan = advance.walk(
        PlanFactory(kind="major"),
        [
            "submit_plan",
            "pass_review",
            "approve_budget",
            ("gm_approve", {"comment": "同意"}),
            SignAll("同意"),
            "approve_plan",
            "issue_materials",
        ],
    )
    task = TaskFactory(plan=plan)
    advance.walk(task, ["submit_findings", "accept_findings"])
    plan.refresh_from_db()
    plan = advance.walk(plan, ["submit_report", "approve_report"])
    assert plan.state == "completed"
    assert plan.sign_offs.filter(decision="agree").count() == 4


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("findings.pdf", b"%PDF-1.4\n" + b"x" * 2048, "the limit is 1"),
        ("findings.pdf", make_png(), "the content is a PNG image, but the name says"),
    ],
)
def test_findings_with_an_oversized_or_mislabelled_file_are_refused(
    name, content, message, settings, client_for
):
    settings.WORKFLOW_UPLOAD_MAX_BYTES = 1024
    task = TaskFactory()
    data = post_data(task, "submit_findings", seq=1)
    data["attachment"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    before = snapshot(task)

    response = client_for(task.owner).post(step_url(task, "submit_findings"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(task) == before
