"""The questionnaire (《市场调研问卷》) as questions of three kinds: written by
the plan's marketing manager when issuing it and fixed after, answered per
question in each task's findings, and summarised over the accepted tasks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from research.models import Answer, Question, ResearchPlan, ResearchTask
from tests.factories import UserFactory
from tests.kits import post_data, snapshot
from tests.research.kit import ANSWERS, FINDINGS, QUESTIONS, PlanFactory, TaskFactory, ask

pytestmark = pytest.mark.django_db


def step_url(record: ResearchPlan | ResearchTask, name: str) -> str:
    model = record._meta.model_name
    return reverse(f"research:{model}_step", kwargs={"pk": record.pk, "name": name})


def questions_of(plan: ResearchPlan) -> list[tuple[int, str, str, str]]:
    return list(plan.questions.values_list("position", "text", "kind", "choices"))


def test_the_marketing_manager_writes_the_questions_when_issuing_the_questionnaire(
    role_user, client_for
):
    owner = role_user("marketing_manager")
    plan = PlanFactory(owner=owner, state="approved")
    data = post_data(plan, "issue_materials", seq=plan.step_seq)
    data.update({"question_4": "  Anything else?  ", "kind_4": "text", "choices_2": "A\n\nB\n"})

    response = client_for(owner).post(step_url(plan, "issue_materials"), data)

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == "fieldwork"
    assert questions_of(plan) == [
        (1, "Which brands do you stock?", "text", ""),
        (2, "What price range sells best?", "choice", "A\nB"),
        (3, "How satisfied are you with our delivery?", "scale", ""),
        (4, "Anything else?", "text", ""),
    ]


@pytest.mark.parametrize("who", ["product_marketing_manager", "ka_dept_manager", "other_owner"])
def test_only_the_plans_marketing_manager_writes_the_questions(who, role_user, client_for):
    plan = PlanFactory(state="approved")
    user = UserFactory(roles=["marketing_manager"]) if who == "other_owner" else role_user(who)
    before = snapshot(plan)

    response = client_for(user).post(
        step_url(plan, "issue_materials"), post_data(plan, "issue_materials", seq=plan.step_seq)
    )

    assert response.status_code in (403, 404)
    assert snapshot(plan) == before
    assert not plan.questions.exists()


@pytest.mark.parametrize("state", ["sign_off", "fieldwork", "reporting"])
def test_the_questions_are_written_only_before_the_fieldwork(state, client_for):
    plan = PlanFactory(state=state)
    before = snapshot(plan)
    asked = questions_of(plan)

    response = client_for(plan.owner).post(
        step_url(plan, "issue_materials"),
        post_data(plan, "issue_materials", seq=plan.step_seq, question_1="Changed?"),
    )

    assert response.status_code in (302, 400, 403, 409)  # the step is not available
    assert snapshot(plan) == before
    assert questions_of(plan) == asked


@pytest.mark.parametrize(
    ("rows", "field", "message"),
    [
        ({"kind_2": "choice", "choices_2": "Only one"}, "choices_2", "at least two choices"),
        ({"choices_1": "Yes\nNo"}, "choices_1", "Only a single-choice question has choices."),
        ({"choices_2": "Same\nSame"}, "choices_2", "Each choice must be different."),
        ({"question_2": "", "choices_2": "A\nB"}, "question_2", "Write the question these"),
        ({"kind_3": "ranking"}, "kind_3", "Select a valid choice."),
        ({"question_1": "", "question_2": "", "question_3": "", "choices_2": ""}, None, "at least"),
    ],
)
def test_a_bad_questionnaire_is_refused_with_a_clear_message(rows, field, message, client_for):
    plan = PlanFactory(state="approved")
    data = post_data(plan, "issue_materials", seq=plan.step_seq)
    data.update(rows)
    before = snapshot(plan)

    response = client_for(plan.owner).post(step_url(plan, "issue_materials"), data)

    assert response.status_code == 400
    (form,) = [a["form"] for a in response.context["actions"] if a["open"]]
    assert message in response.content.decode()
    assert message in str(form.errors.get(field) if field else form.non_field_errors())
    assert snapshot(plan) == before
    assert not plan.questions.exists()


def test_the_findings_answer_every_question_by_its_kind(client_for):
    task = TaskFactory()

    response = client_for(task.owner).post(
        step_url(task, "submit_findings"), post_data(task, "submit_findings", seq=task.step_seq)
    )

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == "submitted"
    assert list(
        task.answers.order_by("question__position").values_list("question__kind", "value")
    ) == [("text", "A, B, C"), ("choice", "150-250 yuan"), ("scale", "4")]
    page = client_for(task.owner).get(task.get_absolute_url()).content.decode()
    assert "150-250 yuan" in page and "How satisfied are you with our delivery?" in page


@pytest.mark.parametrize(
    ("answer", "value", "message"),
    [
        ("answer_2", "Over 9000 yuan", "Choose one of the question&#x27;s choices."),
        ("answer_3", "6", "Give a whole number from 1 to 5."),
        ("answer_3", "0", "Give a whole number from 1 to 5."),
        ("answer_3", "3.5", "Give a whole number from 1 to 5."),
        ("answer_1", "", "Answer this question."),
        ("answer_2", "", "Answer this question."),
        ("answer_3", "", "Answer this question."),
    ],
)
def test_a_bad_answer_is_refused_with_a_clear_message(answer, value, message, client_for):
    task = TaskFactory()
    data = post_data(task, "submit_findings", seq=task.step_seq, **{answer: value})
    before = snapshot(task)

    response = client_for(task.owner).post(step_url(task, "submit_findings"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(task) == before
    assert not Answer.objects.exists()


def test_a_returned_task_answers_again_and_its_new_answers_replace_the_old(advance):
    task = advance.walk(
        TaskFactory(),
        ["submit_findings", ("return_findings", {"comment": "Ask the buyer, not the clerk."})],
    )
    task = advance.walk(task, [("submit_findings", {"answer_3": "2"})])
    assert list(task.answers.order_by("question__position").values_list("value", flat=True)) == [
        "A, B, C",
        "150-250 yuan",
        "2",
    ]


def answered(plan: ResearchPlan, state: str, values: list[str]) -> ResearchTask:
    task = TaskFactory(plan=plan, state=state, **FINDINGS)
    Answer.objects.bulk_create(
        Answer(task=task, question=q, value=v)
        for q, v in zip(plan.questions.order_by("position"), values, strict=True)
    )
    return task


def test_the_plan_page_summarises_the_accepted_tasks_answers(role_user, client_for):
    plan = PlanFactory(state="fieldwork")
    answered(plan, "accepted", ["A", "Under 150 yuan", "4"])
    answered(plan, "accepted", ["B", "150-250 yuan", "5"])
    answered(plan, "accepted", ["C", "150-250 yuan", "5"])
    answered(plan, "submitted", ["D", "Under 150 yuan", "1"])  # not accepted: not counted

    response = client_for(role_user("marketing_manager")).get(plan.get_absolute_url())

    assert response.status_code == 200
    brands, price, delivery = response.context["summary"]
    assert (brands["answered"], brands["counts"], brands["mean"]) == (3, [], None)
    assert price["answered"] == 3
    assert price["counts"] == [("Under 150 yuan", 1), ("150-250 yuan", 2)]
    assert price["mean"] is None
    assert delivery["answered"] == 3
    assert delivery["counts"] == [("1", 0), ("2", 0), ("3", 0), ("4", 1), ("5", 2)]
    assert delivery["mean"] == Decimal("4.67")
    text = response.content.decode()
    assert '<strong data-testid="mean">4.67</strong>' in text
    assert "3 answers from the accepted tasks" in text


def test_the_report_shows_the_answers_of_the_accepted_tasks(advance, role_user, client_for):
    plan = PlanFactory(state="fieldwork")
    answered(plan, "accepted", ["Brand Q only", "Under 150 yuan", "3"])
    plan = advance.walk(plan, ["close_fieldwork"])
    client = client_for(role_user("marketing_manager"), language="zh-hans")

    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Brand Q only" in page  # in the findings the report is written from
    plan = advance.walk(plan, ["submit_report"])
    printed = client.get(reverse("research:report_print", kwargs={"pk": plan.pk, "revision": 1}))
    text = printed.content.decode()
    assert printed.status_code == 200
    assert "Brand Q only" in text and "Under 150 yuan：1" in text and "3.00" in text


def test_the_plan_page_makes_as_many_queries_for_20_tasks_as_for_1(
    role_user, client_for, django_assert_max_num_queries
):
    manager = role_user("marketing_manager")
    ten = [(f"Question {n}", "text", "") for n in range(1, 5)]
    ten += [(f"Choice {n}", "choice", "Yes\nNo") for n in range(5, 8)]
    ten += [(f"Scale {n}", "scale", "") for n in range(8, 11)]
    plan = PlanFactory(state="reporting", owner=manager, questions=ten)
    values = ["Some text"] * 4 + ["Yes"] * 3 + ["3"] * 3
    answered(plan, "accepted", values)
    client = client_for(manager)
    client.get(plan.get_absolute_url())  # warm the caches

    with CaptureQueriesContext(connection) as one:
        client.get(plan.get_absolute_url())
    for _ in range(19):
        answered(plan, "accepted", values)
    with django_assert_max_num_queries(len(one)):
        page = client.get(plan.get_absolute_url())

    assert Answer.objects.filter(task__plan=plan).count() == 200
    assert page.context["summary"][7]["mean"] == Decimal("3.00")
    assert page.content.decode().count("Some text") == 80


def test_the_kits_questionnaire_is_the_one_the_factory_writes():
    plan = PlanFactory(state="approved")
    assert not plan.questions.exists()
    ask(plan)
    assert [q.text for q in plan.questions.all()] == [text for text, _k, _c in QUESTIONS]
    assert set(ANSWERS) == {f"answer_{q.position}" for q in Question.objects.filter(plan=plan)}
