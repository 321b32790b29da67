from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from workflows.filters import WorkflowFilterSet

from .models import Job, Review


class JobFilter(WorkflowFilterSet):
    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=Job.State.choices)

    class Meta:
        model = Job
        fields = ["state", "overdue", "mine"]


class ReviewFilter(WorkflowFilterSet):
    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=Review.State.choices)

    class Meta:
        model = Review
        fields = ["state", "overdue", "mine"]
