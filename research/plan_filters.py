"""The sales plans' own list filter: the month; the engine adds state, the
key-account manager, overdue and mine (workflows.filters.filterset_for)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from workflows.filters import WorkflowFilterSet


class SalesPlanFilter(WorkflowFilterSet):
    month = django_filters.CharFilter(
        label=_("Plan month"),
        method="filter_month",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"}),
    )

    def filter_month(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        try:
            month = dt.datetime.strptime(value.strip(), "%Y-%m").date()
        except ValueError:
            return qs.none()
        return qs.filter(month=month)
