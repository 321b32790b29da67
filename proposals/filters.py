"""The proposals' own list filters; the engine adds state, the business
developer, overdue and mine (workflows.filters.filterset_for)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.filters import WorkflowFilterSet


class ProposalFilter(WorkflowFilterSet):
    developer = django_filters.CharFilter(
        label=_("Developer"), field_name="developer_name", lookup_expr="icontains"
    )
    deadline = django_filters.ChoiceFilter(
        label=_("Pitch deadline"),
        choices=[
            ("7", _("Within 7 days")),
            ("14", _("Within 14 days")),
            ("30", _("Within 30 days")),
            ("passed", _("Passed")),
        ],
        empty_label=_("Any"),
        method="filter_deadline",
    )

    def filter_deadline(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        today = timezone.localdate()
        if value == "passed":
            return qs.filter(pitch_deadline__lt=today)
        if value.isdigit():
            return qs.filter(
                pitch_deadline__gte=today, pitch_deadline__lte=today + dt.timedelta(days=int(value))
            )
        return qs
