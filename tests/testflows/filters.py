"""The reviews' own list filter; the engine adds state, the author, overdue
and mine (workflows.filters.filterset_for)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.filters import WorkflowFilterSet


class ReviewFilter(WorkflowFilterSet):
    ends = django_filters.ChoiceFilter(
        label=_("Deadline within"),
        choices=[("7", _("Within 7 days")), ("passed", _("Passed"))],
        empty_label=_("Any"),
        method="filter_ends",
    )

    def filter_ends(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        today = timezone.localdate()
        if value == "passed":
            return qs.filter(deadline__lt=today)
        if value.isdigit():
            return qs.filter(deadline__gte=today, deadline__lte=today + dt.timedelta(int(value)))
        return qs
