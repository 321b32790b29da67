from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from orders.models import Customer
from workflows.filters import WorkflowFilterSet

from .models import Board, SampleOrder


class SampleOrderFilter(WorkflowFilterSet):
    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=SampleOrder.State.choices)
    customer = django_filters.ModelChoiceFilter(
        label=_("Customer"), queryset=Customer.objects.all(), empty_label=_("All customers")
    )

    class Meta:
        model = SampleOrder
        fields = ["state", "customer", "overdue", "mine"]


class BoardFilter(WorkflowFilterSet):
    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=Board.State.choices)
    kind = django_filters.ChoiceFilter(label=_("Board type"), choices=Board.Kind.choices)
    customer = django_filters.ModelChoiceFilter(
        label=_("Customer"), queryset=Customer.objects.all(), empty_label=_("All customers")
    )

    class Meta:
        model = Board
        fields = ["state", "kind", "customer", "overdue", "mine"]
