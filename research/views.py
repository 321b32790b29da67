"""The research report's printout; the plans' and tasks' own pages are the
engine's (research/urls.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from workflows.rights import read_record

from .models import ReportRevision, ResearchPlan, answer_summary, answers_with_questions


@require_safe
def report_print(request: HttpRequest, pk: int, revision: int) -> HttpResponse:
    """One frozen revision of the research report (《市场调研报告》), printable,
    for whoever reads the plan."""
    plan = read_record(request.user, ResearchPlan, pk)
    report = get_object_or_404(
        ReportRevision.objects.select_related("submitted_by", "approved_by"),
        plan=plan,
        revision=revision,
    )
    tasks = list(
        plan.tasks.select_related("owner")
        .prefetch_related(answers_with_questions())
        .filter(state="accepted")
        .order_by("pk")
    )
    summary = answer_summary(plan, list(plan.questions.all()))
    return render(
        request,
        "research/report_print.html",
        {"record": plan, "report": report, "tasks": tasks, "summary": summary},
    )
