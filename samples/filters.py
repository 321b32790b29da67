from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Customer

from .models import Board, SampleOrder


class OverdueFilterMixin(django_filters.FilterSet):
    overdue = django_filters.ChoiceFilter(
        label=_("Deadline"),
        choices=[("true", _("Overdue only"))],
        empty_label=_("Any"),
        method="filter_overdue",
    )

    def filter_overdue(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value == "true":
            return qs.exclude(state__in=qs.model.final_states).filter(
                step_due_at__lt=timezone.now()
            )
        return qs


class SampleOrderFilter(OverdueFilterMixin):
    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=SampleOrder.State.choices)
    customer = django_filters.ModelChoiceFilter(
        label=_("Customer"), queryset=Customer.objects.all(), empty_label=_("All customers")
    )

    class Meta:
        model = SampleOrder
        fields = ["state", "customer", "overdue"]


class BoardFilter(OverdueFilterMixin):
    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=Board.State.choices)
    kind = django_filters.ChoiceFilter(label=_("Board type"), choices=Board.Kind.choices)
    customer = django_filters.ModelChoiceFilter(
        label=_("Customer"), queryset=Customer.objects.all(), empty_label=_("All customers")
    )

    class Meta:
        model = Board
        fields = ["state", "kind", "customer", "overdue"]
