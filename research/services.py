"""Writes of the research steps beyond the record's own fields: the budget's
lines, the tasks a plan's fieldwork opens, the report's frozen revisions, and
the plan moved on when its last task is accepted."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from workflows.services import (
    record_start,
    revision_approve,
    revision_submit,
    transition_follow,
)

from .models import Answer, BudgetLine, Question, ReportRevision, ResearchPlan, ResearchTask


def budget_save(*, record: ResearchPlan, user: AbstractBaseUser, data: dict[str, Any]) -> None:
    """Replace the plan's budget lines with the form's (the total was set by the step)."""
    record.budget_lines.all().delete()
    BudgetLine.objects.bulk_create(
        BudgetLine(plan=record, position=n, item=item, amount=amount)
        for n, (item, amount) in enumerate(data["budget"], start=1)
    )


def questions_save(*, record: ResearchPlan, user: AbstractBaseUser, data: dict[str, Any]) -> None:
    """Write the questionnaire's questions as the step's form has them. The
    step is taken before the fieldwork: no task has answered yet, and none
    may change them after."""
    record.questions.all().delete()
    Question.objects.bulk_create(
        Question(plan=record, position=n, text=text, kind=kind, choices=choices)
        for n, (text, kind, choices) in enumerate(data["questions"], start=1)
    )


def answers_save(*, record: ResearchTask, user: AbstractBaseUser, data: dict[str, Any]) -> None:
    """Replace the task's answers with the findings' (a returned task answers again)."""
    record.answers.all().delete()
    Answer.objects.bulk_create(
        Answer(task=record, question=question, value=value) for question, value in data["answers"]
    )


def task_assign(
    *, record: ResearchPlan, user: AbstractBaseUser, data: dict[str, Any]
) -> ResearchTask:
    """Open the key-account manager's task, in their inbox with its own clock."""
    task = ResearchTask(
        plan=record,
        owner=data["ka_manager"],
        area=data["area"],
        due_date=data["due_date"],
        training_notes=data.get("training_notes") or "",
    )
    return record_start(record=task, user=user, name="assign")


def task_closed(*, record: ResearchTask, user: AbstractBaseUser, data: Any) -> None:
    """A task accepted (or withdrawn): when every task of the plan is done,
    the plan moves on to the report, as the marketing manager's step."""
    transition_follow(
        record=record.plan, name="close_fieldwork", user=user, comment=record.reference
    )


def report_freeze(*, record: ResearchPlan, user: AbstractBaseUser, data: Any) -> None:
    """Keep the submitted report as a revision nobody can change."""
    revision_submit(
        record=record,
        model=ReportRevision,
        user=user,
        values={name: getattr(record, f"report_{name}") for name in ReportRevision.SECTIONS},
    )


def report_approve(*, record: ResearchPlan, user: AbstractBaseUser, data: Any) -> None:
    """The last submitted revision is the approved report.

    A completed plan is where a promotion plan (市场推广计划) starts, once that
    process exists: it reads the approved revision."""
    revision_approve(record=record, model=ReportRevision, user=user)
