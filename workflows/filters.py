"""The filters of every process list, built from the model's declarations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.http import QueryDict
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
        return django_filters.ChoiceFilter(label=label, choices=field.choices, empty_label=_("Any"))
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


# --- The list's columns and their order --------------------------------------------------

REFERENCE, STATE, DUE = "reference", "state", "due"


@dataclass(frozen=True)
class Column:
    """A column of the list: its key (the ``sort`` parameter), its heading and
    what ordering by it means (None: it does not sort)."""

    key: str
    label: Any
    order: tuple[Any, ...] | None = None


def _field_order(model: type[WorkflowModel], name: str) -> tuple[Any, ...] | None:
    """What sorting by one of the model's fields orders by: its value; a person
    by name; another relation by its model's own ordering; None when it has none."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not field.concrete or field.many_to_many or field.one_to_many:
        return None
    if not field.is_relation:
        return (name,)
    related = field.related_model
    if related is get_user_model():
        return (f"{name}__first_name", f"{name}__last_name", f"{name}__username")
    ordering = related._meta.ordering
    if not ordering or not all(isinstance(o, str) for o in ordering):
        return None
    return tuple(f"-{name}__{o[1:]}" if o.startswith("-") else f"{name}__{o}" for o in ordering)


def _state_order(model: type[WorkflowModel]) -> Case:
    """States in the order the model declares them (the process's order)."""
    values = [v for v, _label in model.state_field().flatchoices]
    return Case(
        *[When(state=v, then=Value(i)) for i, v in enumerate(values)],
        default=Value(len(values)),
        output_field=IntegerField(),
    )


@cache
def list_columns(model: type[WorkflowModel]) -> tuple[Column, ...]:
    """The list's columns: the reference, the model's ``list_columns``, the
    state and the step's deadline. Each sorts, but a relation whose model
    declares no ordering."""
    own = tuple(
        Column(name, lazy(_verbose, str)(model, name), _field_order(model, name))
        for name in model.list_columns
    )
    return (
        Column(REFERENCE, _("Reference"), ("reference",)),
        *own,
        Column(STATE, _("State"), (_state_order(model),)),
        Column(DUE, _("Step due"), ("step_due_at",)),
    )


def _verbose(model: type[WorkflowModel], name: str) -> str:
    return capfirst(str(model._meta.get_field(name).verbose_name))


def parse_sort(model: type[WorkflowModel], value: str | None) -> tuple[str, bool] | None:
    """``"due"`` or ``"-due"`` as (key, descending); None for a key the list
    does not sort by (ignored, never an error)."""
    value = (value or "").strip()
    descending = value.startswith("-")
    key = value[1:] if descending else value
    for column in list_columns(model):
        if column.key == key and column.order is not None:
            return key, descending
    return None


def sorted_by(qs: QuerySet, key: str, descending: bool) -> QuerySet:
    """The records in the column's order, empty values last, then by id (a
    stable order for pages)."""
    column = next(c for c in list_columns(qs.model) if c.key == key)
    terms = []
    for term in column.order or ():
        expression: Any = term
        desc = descending
        if isinstance(term, str):
            if term.startswith("-"):
                term, desc = term[1:], not desc
            expression = F(term)
        terms.append(expression.desc(nulls_last=True) if desc else expression.asc(nulls_last=True))
    return qs.order_by(*terms, "-pk" if descending else "pk")


def active_filters(filterset: django_filters.FilterSet, term: str) -> int:
    """How many filters the list applies (the search box counts as one)."""
    data = filterset.data
    used = sum(1 for name in filterset.form.fields if any(v for v in data.getlist(name)))
    return used + (1 if term else 0)


def saved_query(model: type[WorkflowModel], query: str) -> str:
    """A query string kept to what the list reads (search, sort, its filters)."""
    params = QueryDict(query[:QUERY_MAX], mutable=False)
    wanted = {"q", "sort", "order", *filterset_for(model).base_filters}
    kept = QueryDict(mutable=True)
    for name in params:
        if name in wanted:
            kept.setlist(name, [v for v in params.getlist(name) if v][:50])
    return kept.urlencode()[:QUERY_MAX]


QUERY_MAX = 2000
