"""The complaint list's own filter, besides the engine's (state, severity,
customer, defect category, salesperson, overdue, mine): recurrences."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.filters import WorkflowFilterSet


class ComplaintFilter(WorkflowFilterSet):
    is_recurrence = django_filters.BooleanFilter(
        label=_("Recurrence"),
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
    )
