"""The order list's own filters, besides the engine's (state, customer,
currency, salesperson, overdue, mine): the total's range and the order date's."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.filters import WorkflowFilterSet

from .models import MAX_AMOUNT


class OrderFilter(WorkflowFilterSet):
    total_min = django_filters.NumberFilter(
        label=_("Total from"),
        field_name="total",
        lookup_expr="gte",
        min_value=0,
        max_value=MAX_AMOUNT,
        max_digits=15,
        decimal_places=2,
    )
    total_max = django_filters.NumberFilter(
        label=_("Total up to"),
        field_name="total",
        lookup_expr="lte",
        min_value=0,
        max_value=MAX_AMOUNT,
        max_digits=15,
        decimal_places=2,
    )
    ordered_from = django_filters.DateFilter(
        label=_("Ordered from"),
        field_name="order_date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ordered_to = django_filters.DateFilter(
        label=_("Ordered up to"),
        field_name="order_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
