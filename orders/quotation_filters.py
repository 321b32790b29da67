"""The quotation list's own filters, besides the engine's (state, kind,
customer, reason lost, salesperson, overdue, mine): the tender deadline's window."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.filters import WorkflowFilterSet


class QuotationFilter(WorkflowFilterSet):
    deadline_from = django_filters.DateFilter(
        label=_("Deadline from"),
        field_name="tender_deadline",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    deadline_to = django_filters.DateFilter(
        label=_("Deadline up to"),
        field_name="tender_deadline",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
