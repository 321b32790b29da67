"""The research plans' own list filters; the engine adds state, the marketing
manager, overdue and mine (workflows.filters.filterset_for)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from workflows.filters import WorkflowFilterSet

from .models import ResearchPlan


class ResearchPlanFilter(WorkflowFilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Plan type"), choices=ResearchPlan.Kind.choices, empty_label=_("Any")
    )
    period = django_filters.DateFilter(
        label=_("Researching on"),
        method="filter_period",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Plans whose research period includes this day."),
    )

    def filter_period(self, qs: QuerySet, name: str, value: object) -> QuerySet:
        return qs.filter(period_start__lte=value, period_end__gte=value)
