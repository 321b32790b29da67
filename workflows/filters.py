"""The filters of every process list, built from the model's declarations."""

from __future__ import annotations

from functools import cache
from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.module_loading import import_string
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import WorkflowModel
from .roles import role_members, user_label


class UserFilterField(django_filters.fields.ModelChoiceField):
    """A filter's user picker: each person by full name, the username as a hint."""

    def label_from_instance(self, obj: Any) -> str:
        return user_label(obj)


class UserChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = UserFilterField


class WorkflowFilterSet(django_filters.FilterSet):
    """Base of a process's list filters: adds the overdue and responsible filters.

    A process's own filters (``WorkflowModel.list_filterset``) subclass it.
    """

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


def _all_of(plural: Any) -> str:
    return gettext("All %(name)s") % {"name": plural}


all_of = lazy(_all_of, str)


def field_filter(model: type[WorkflowModel], name: str) -> django_filters.Filter:
    """A filter on one of the model's fields: a relation offers its rows, a
    field with choices its choices, any other field matches part of its text."""
    field = model._meta.get_field(name)
    label = capfirst(field.verbose_name)
    if isinstance(field, models.ForeignKey) and field.related_model is get_user_model():
        return UserChoiceFilter(
            label=label,
            queryset=get_user_model()._default_manager.order_by("username"),
            empty_label=_("Anyone"),
        )
    if isinstance(field, models.ForeignKey):
        related = field.related_model
        return django_filters.ModelChoiceFilter(
            label=label,
            queryset=related._default_manager.all(),
            empty_label=all_of(related._meta.verbose_name_plural),
        )
    if field.choices:
        return django_filters.ChoiceFilter(label=label, choices=field.choices)
    return django_filters.CharFilter(label=label, lookup_expr="icontains")


def owner_filter(model: type[WorkflowModel]) -> django_filters.Filter:
    """The record's owner, among the members of the model's ``owner_role``
    (including those who left: their records stay)."""
    field = model._meta.get_field(model.owner_field)
    users = (
        role_members(model.owner_role, active_only=False)
        if model.owner_role
        else get_user_model()._default_manager.order_by("username")
    )
    return UserChoiceFilter(
        label=capfirst(field.verbose_name), queryset=users, empty_label=_("Anyone")
    )


def _base_filterset(model: type[WorkflowModel]) -> type[WorkflowFilterSet]:
    base = model.list_filterset
    if base is None:
        return WorkflowFilterSet
    base = import_string(base) if isinstance(base, str) else base
    if not issubclass(base, WorkflowFilterSet):
        raise TypeError(f"{model.__name__}.list_filterset must subclass WorkflowFilterSet")
    return base


@cache
def filterset_for(model: type[WorkflowModel]) -> type[WorkflowFilterSet]:
    """The list's filters: state (several at once), the model's own (its
    ``list_filterset``'s and its ``list_filters``), the owner, overdue and mine."""
    base = _base_filterset(model)
    declared = base.declared_filters
    own = [n for n in declared if n not in WorkflowFilterSet.declared_filters]
    extra = [n for n in model.list_filters if n not in declared]
    built: dict[str, Any] = {
        "state": django_filters.MultipleChoiceFilter(
            label=_("State"), choices=model.state_field().choices
        ),
        model.owner_field: owner_filter(model),
        **{name: field_filter(model, name) for name in extra},
    }
    names = ["state", *own, *extra, model.owner_field, "overdue", "mine"]
    attrs: dict[str, Any] = {n: f for n, f in built.items() if n not in declared}
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": list(dict.fromkeys(names))})
    return type(f"{model.__name__}FilterSet", (base,), attrs)
