from __future__ import annotations

from typing import Any

from workflows.views import WorkflowCreateView, WorkflowDetailView, WorkflowListView
from workflows.views.records import WorkflowPrintView

from .filters import JobFilter, ReviewFilter
from .forms import JobForm, ReviewForm
from .models import Job, Review


class JobListView(WorkflowListView):
    model = Job
    template_name = "testflows/job_list.html"
    filterset_class = JobFilter
    search_fields = ("reference", "title")
    select_related = ("requester",)


class JobDetailView(WorkflowDetailView):
    model = Job
    template_name = "testflows/job_detail.html"
    select_related = ("requester", "planner", "checked_by")


class JobCreateView(WorkflowCreateView):
    model = Job
    form_class = JobForm

    def get_initial(self) -> dict[str, Any]:
        return {"requester": self.request.user.pk}


class JobPrintView(WorkflowPrintView):
    model = Job


class ReviewListView(WorkflowListView):
    model = Review
    template_name = "testflows/review_list.html"
    filterset_class = ReviewFilter
    search_fields = ("reference", "title")


class ReviewDetailView(WorkflowDetailView):
    model = Review
    template_name = "testflows/review_detail.html"
    select_related = ("decided_by",)


class ReviewCreateView(WorkflowCreateView):
    model = Review
    form_class = ReviewForm


class ReviewPrintView(WorkflowPrintView):
    model = Review
