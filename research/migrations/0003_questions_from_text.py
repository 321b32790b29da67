"""The questionnaire written one question a line becomes free-text questions,
and a task's answers written one a line become its answers to them, in order
(the lines past the last question join its answer)."""

import re

from django.db import migrations

NUMBERED = re.compile(r"^\s*\d+\s*[.、．)）]\s*")


def lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def forward(apps, schema_editor):
    ResearchPlan = apps.get_model("research", "ResearchPlan")
    ResearchTask = apps.get_model("research", "ResearchTask")
    Question = apps.get_model("research", "Question")
    Answer = apps.get_model("research", "Answer")
    questions = {}
    for plan_id, text in ResearchPlan.objects.values_list("pk", "questionnaire"):
        rows = [
            Question(plan_id=plan_id, position=n, text=line[:300], kind="text")
            for n, line in enumerate(lines(text), start=1)
        ]
        questions[plan_id] = Question.objects.bulk_create(rows)
    for task_id, plan_id, text in ResearchTask.objects.values_list("pk", "plan_id", "answers"):
        given = [NUMBERED.sub("", line) or line for line in lines(text)]
        if not given:
            continue
        asked = questions.get(plan_id) or []
        if not asked:
            asked = [Question.objects.create(plan_id=plan_id, position=1, text="问卷结果")]
            questions[plan_id] = asked
        values = given[: len(asked) - 1] + ["\n".join(given[len(asked) - 1 :])]
        Answer.objects.bulk_create(
            Answer(task_id=task_id, question_id=q.pk, value=value[:4000])
            for q, value in zip(asked, values, strict=False)
            if value
        )


def backward(apps, schema_editor):
    ResearchPlan = apps.get_model("research", "ResearchPlan")
    ResearchTask = apps.get_model("research", "ResearchTask")
    Question = apps.get_model("research", "Question")
    Answer = apps.get_model("research", "Answer")
    texts = {}
    for plan_id, text in Question.objects.order_by("plan_id", "position").values_list(
        "plan_id", "text"
    ):
        texts.setdefault(plan_id, []).append(text)
    for plan_id, asked in texts.items():
        ResearchPlan.objects.filter(pk=plan_id).update(questionnaire="\n".join(asked))
    answers = {}
    for task_id, n, value in Answer.objects.order_by("task_id", "question__position").values_list(
        "task_id", "question__position", "value"
    ):
        answers.setdefault(task_id, []).append(f"{n}. {value}")
    for task_id, given in answers.items():
        ResearchTask.objects.filter(pk=task_id).update(answers="\n".join(given)[:4000])


class Migration(migrations.Migration):
    dependencies = [("research", "0002_question_answer")]

    operations = [migrations.RunPython(forward, backward)]
