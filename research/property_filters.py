"""The property surveys' own list filters: their development's district and
key kind (the engine adds state, the researcher, overdue and mine)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from workflows.filters import WorkflowFilterSet

from .models_property import Development, District


class PropertySurveyFilter(WorkflowFilterSet):
    district = django_filters.ModelChoiceFilter(
        label=_("District"),
        field_name="development__district",
        queryset=District.objects.all(),
        empty_label=_("All districts"),
    )
    key_kind = django_filters.ChoiceFilter(
        label=_("Key development"),
        field_name="development__key_kind",
        choices=Development.KeyKind.choices,
        empty_label=_("Any"),
    )
