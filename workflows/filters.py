"""Filters every process list offers."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkflowFilterSet(django_filters.FilterSet):
    """Base of a process's list filters: adds the overdue and responsible filters."""

    overdue = django_filters.ChoiceFilter(
        label=_("Deadline"),
        choices=[("true", _("Overdue only"))],
        empty_label=_("Any"),
        method="filter_overdue",
    )

    mine = django_filters.ChoiceFilter(
        label=_("Responsible"),
        choices=[("true", _("Mine"))],
        empty_label=_("Anyone"),
        method="filter_mine",
    )

    def filter_mine(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        user = getattr(self.request, "user", None)
        if value == "true" and user is not None:
            return qs.filter(**{f"{qs.model.owner_field}_id": user.pk})
        return qs

    def filter_overdue(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value == "true":
            return qs.exclude(state__in=qs.model.final_states).filter(
                step_due_at__lt=timezone.now()
            )
        return qs
