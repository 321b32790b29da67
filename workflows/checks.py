"""System checks of the process declarations, run by ``manage.py check``.

The engine trusts what a process model declares (dotted paths, field names,
states, roles); a slip there would otherwise surface as a 500 on the first
record that reaches the step. ``check_process_model`` reads one model's
declarations back and reports each mistake with the model, the step or
attribute, and a stable id; ``check_process_models`` runs it for every
process model, so ``make check`` fails on a misdeclared one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django import forms
from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import translation
from django.utils.module_loading import import_string
from django_fsm import FSMFieldMixin, Transition

from .conditions import all_signed
from .declarations import (
    STEP_KEY,
    DueRule,
    NotBy,
    Owner,
    OwnerOnly,
    ReadScope,
    Rule,
    SignOffStep,
    Step,
)
from .models import WorkflowModel
from .registry import process_models
from .revisions import RevisionBase, RevisionLines, revision_model_of
from .roles import ROLE_BY_CODE

ROLES_HINT = "Roles are the codes listed in workflows/roles.py."
DUE_HINT = "A due rule is a timedelta, the name of a date or datetime field, or a callable."
# What a step's button may not read: the step's dialog closes with "Close",
# and a bare "Cancel" beside it would not say whether it cancels the record.
DIALOG_WORDS = frozenset({"cancel", "close", "ok"})
# Sources django-fsm accepts besides states: any state, any state but the target.
WILDCARD_SOURCES = ("*", "+")
Model = type[WorkflowModel]


def _error(model: Model, code: int, msg: str, hint: str | None = None) -> Error:
    return Error(msg, hint=hint, obj=model, id=f"workflows.E{code:03d}")


def _field(model: Model, name: object) -> models.Field | None:
    if not isinstance(name, str):
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _is_date_field(model: Model, name: object) -> bool:
    # DateTimeField is a DateField.
    return isinstance(_field(model, name), models.DateField)


def _is_user_fk(model: Model, name: object) -> bool:
    field = _field(model, name)
    if not isinstance(field, models.ForeignKey):  # OneToOneField is one too
        return False
    target = field.remote_field.model  # a "app.Model" string until the relation resolves
    label = target if isinstance(target, str) else target._meta.label
    return label.lower() == settings.AUTH_USER_MODEL.lower()


def _is_user_path(model: Model, path: object) -> bool:
    """A path of relations (``customer__salesperson``) that ends at the user model."""
    if not isinstance(path, str):
        return False
    *through, last = path.split("__")
    current: Any = model
    for part in through:
        field = _field(current, part)
        if field is None or not (field.many_to_one or field.one_to_one):
            return False
        current = field.related_model
        if isinstance(current, str):  # not resolved: nothing more to read
            return True
    return _is_user_fk(current, last)


def _is_relation_path(model: Model, path: object) -> bool:
    """A path ``select_related`` can follow: forward or one-to-one relations."""
    if not isinstance(path, str):
        return False
    current: Any = model
    for part in path.split("__"):
        if isinstance(current, str):  # an unresolved relation: nothing more to read
            return True
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if not (field.is_relation and (field.many_to_one or field.one_to_one)):
            return False
        current = field.related_model
    return True


def _unknown_roles(roles: Iterable[str]) -> list[str]:
    return [r for r in roles if r not in ROLE_BY_CODE]


def _due_error(model: Model, rule: DueRule | None, where: str, code: int) -> Error | None:
    if rule is None or isinstance(rule, dt.timedelta):
        return None
    if isinstance(rule, str):
        if _is_date_field(model, rule):
            return None
        msg = f"{where} names '{rule}', which is not a date or datetime field of the model."
        return _error(model, code, msg, DUE_HINT)
    if callable(rule):
        return None
    return _error(model, code, f"{where} is {rule!r}.", DUE_HINT)


def _resolve(value: object) -> tuple[Any, str | None]:
    """The object a dotted path names, or the reason it cannot be imported."""
    if not isinstance(value, str):
        return value, None
    try:
        return import_string(value), None
    except (ImportError, AttributeError) as error:
        return None, str(error)


def _step_errors(model: Model, name: str, step: Step) -> Iterator[Error]:
    where = f"Step '{name}'"
    form, problem = _resolve(step.form)
    if problem is not None:
        yield _error(model, 3, f"{where}: form '{step.form}' cannot be imported: {problem}")
    elif form is not None and not (isinstance(form, type) and issubclass(form, forms.BaseForm)):
        yield _error(model, 3, f"{where}: form {step.form!r} is not a form class.")
    effect, problem = _resolve(step.effect)
    if problem is not None:
        yield _error(model, 4, f"{where}: effect '{step.effect}' cannot be imported: {problem}")
    elif effect is not None and not callable(effect):
        yield _error(model, 4, f"{where}: effect {step.effect!r} is not callable.")
    if error := _due_error(model, step.due, f"{where}: due", 5):
        yield error
    with translation.override("en"):
        label = str(step.label).strip().rstrip(".").lower()
    if label in DIALOG_WORDS:
        yield _error(
            model,
            21,
            f"{where}: its label {label!r} reads like the dialog's own buttons.",
            hint="Say what the step does: 'Cancel the order', not 'Cancel'.",
        )
    for attr in ("roles", "notify"):
        if unknown := _unknown_roles(getattr(step, attr)):
            yield _error(model, 14, f"{where}: unknown role(s) {unknown} in {attr}.", ROLES_HINT)
    rule = step.rule
    if rule is not None and not isinstance(rule, Rule):
        yield _error(model, 17, f"{where}: rule {rule!r} is not a workflows.declarations.Rule.")
    elif isinstance(rule, OwnerOnly | NotBy) and not _is_user_fk(model, rule.field):
        yield _error(
            model,
            17,
            f"{where}: rule {type(rule).__name__}('{rule.field}') names no foreign key to "
            "the user model on this model.",
            "OwnerOnly and NotBy compare the user with the record's <field>_id.",
        )


def _attribute_errors(model: Model) -> Iterator[Error]:
    if not _is_user_fk(model, model.owner_field):
        yield _error(
            model,
            7,
            f"owner_field '{model.owner_field}' is not a foreign key to the user model "
            f"({settings.AUTH_USER_MODEL}) on this model.",
        )
    if error := _due_error(model, model.initial_due, "initial_due", 6):
        yield error
    deadline = model.final_deadline_field
    if deadline is not None and not _is_date_field(model, deadline):
        yield _error(
            model,
            8,
            f"final_deadline_field '{deadline}' is not a date or datetime field of the model.",
        )
    related = model.subject_related
    if isinstance(related, str) or not all(_is_relation_path(model, p) for p in related):
        yield _error(
            model,
            9,
            f"subject_related {related!r} must be a tuple of relations of the model "
            "(foreign keys or one-to-one fields).",
            "It is passed to select_related().",
        )
    yield from _scope_errors(model)
    for attr in ("manager_roles", "on_behalf_roles"):
        value = getattr(model, attr, ())
        if not isinstance(value, tuple):
            yield _error(model, 20, f"{attr} {value!r} is not a tuple of role codes.", ROLES_HINT)
        elif unknown := _unknown_roles(value):
            yield _error(model, 20, f"{attr}: unknown role(s) {unknown}.", ROLES_HINT)
    creators = getattr(model, "creator_roles", ())
    if not isinstance(creators, tuple):
        yield _error(
            model, 16, f"creator_roles {creators!r} is not a tuple of role codes.", ROLES_HINT
        )
    elif unknown := _unknown_roles(creators):
        yield _error(model, 16, f"creator_roles: unknown role(s) {unknown}.", ROLES_HINT)
    elif isinstance(model.on_behalf_roles, tuple) and (
        outside := [r for r in model.on_behalf_roles if r not in creators]
    ):
        yield _error(
            model,
            20,
            f"on_behalf_roles: {outside} do not open records (not in creator_roles).",
        )


def _scope_errors(model: Model) -> Iterator[Error]:
    scope = getattr(model, "read_scope", None)
    if not isinstance(scope, ReadScope):
        yield _error(
            model,
            19,
            f"read_scope {scope!r} is not a workflows.declarations.ReadScope.",
            "Declare it from Participants(), Owner(), Roles(...), CurrentStep() and "
            "Escalated(), joined with |.",
        )
        return
    if unknown := _unknown_roles(scope.roles()):
        yield _error(model, 19, f"read_scope: unknown role(s) {unknown}.", ROLES_HINT)
    for part in scope.parts():
        if isinstance(part, Owner) and not _is_user_path(model, part.path(model)):
            yield _error(
                model,
                19,
                f"read_scope: Owner('{part.path(model)}') names no foreign key to the user "
                "model (directly or through relations).",
            )


def _leaves(transition: Transition, state: str) -> bool:
    """The transition can be taken in ``state`` and takes the record out of it."""
    return transition.source in (state, "*") and transition.target not in (state, None)


def _sign_off_errors(
    model: Model, states: set[str], transitions: list[Transition]
) -> Iterator[Error]:
    for state, spec in model.sign_off_steps.items():
        where = f"Sign-off state '{state}'"
        if state not in states:
            yield _error(model, 11, f"{where} is not a state of the model.")
            continue
        if not isinstance(spec, SignOffStep):
            yield _error(model, 11, f"{where}: {spec!r} is not a SignOffStep.")
            continue
        leaving = [t for t in transitions if _leaves(t, state)]
        if not any(all_signed in t.conditions for t in leaving):
            yield _error(
                model,
                12,
                f"{where} has no transition out of it guarded by all_signed.",
                "Add conditions=[workflows.conditions.all_signed] to the transition that "
                "follows the sign-off.",
            )
        if spec.on_refuse and spec.on_refuse not in {t.name for t in leaving}:
            yield _error(
                model,
                13,
                f"{where}: on_refuse '{spec.on_refuse}' names no transition that leaves it.",
                f"Transitions that leave it: {sorted({t.name for t in leaving})}.",
            )
        guarded = {t.name for t in leaving if all_signed in t.conditions}
        if spec.on_complete and spec.on_complete not in guarded:
            yield _error(
                model,
                13,
                f"{where}: on_complete '{spec.on_complete}' names no transition that "
                "leaves it guarded by all_signed.",
                f"Transitions that leave it so: {sorted(guarded)}.",
            )
        if spec.asked_field and spec.asked_field not in {
            f.name for f in model._meta.get_fields() if not f.is_relation
        }:
            yield _error(
                model, 13, f"{where}: asked_field '{spec.asked_field}' is not a field of the model."
            )
        if unknown := _unknown_roles(spec.roles):
            yield _error(model, 15, f"{where}: unknown role(s) {unknown}.", ROLES_HINT)


def _transition_errors(
    model: Model, states: set[str], transitions: list[Transition]
) -> Iterator[Error]:
    undeclared: set[str] = set()
    targets: set[tuple[str, str]] = set()
    checked: set[int] = set()  # a step declared for several sources is checked once
    for transition in transitions:
        name, source, target = transition.name, transition.source, transition.target
        if isinstance(source, str) and source not in states | set(WILDCARD_SOURCES):
            yield _error(model, 18, f"Step '{name}': source '{source}' is not a state.")
        if isinstance(target, str) and target not in states and (name, target) not in targets:
            targets.add((name, target))
            yield _error(model, 18, f"Step '{name}': target '{target}' is not a state.")
        step = transition.custom.get(STEP_KEY)
        if not isinstance(step, Step):
            if name not in undeclared:
                undeclared.add(name)
                yield _error(
                    model,
                    2,
                    f"Transition '{name}' has no custom=step(...) declaration.",
                    "Every transition says its label and roles with "
                    "custom=workflows.declarations.step(...).",
                )
            continue
        if id(step) in checked:
            continue
        checked.add(id(step))
        yield from _step_errors(model, name, step)


def _revision_errors(model: Model) -> Iterator[Error]:
    """``revision_fields``, ``revision_lines`` and ``revision_model``
    (workflows.revisions) name what the model has, or are all left out."""
    fields = getattr(model, "revision_fields", None)
    if fields is None:
        return
    hint = "See docs/engine.md, “Revisions”."
    if isinstance(fields, str) or not all(_field(model, name) for name in fields):
        yield _error(
            model, 22, f"revision_fields {fields!r} are not all fields of the model.", hint
        )
    spec = getattr(model, "revision_lines", None)
    if spec is not None:
        if not isinstance(spec, RevisionLines):
            yield _error(model, 22, f"revision_lines {spec!r} is not a RevisionLines.", hint)
            return
        try:
            line_model = spec.line_model(model)
        except FieldDoesNotExist:
            yield _error(model, 22, f"revision_lines: the model has no '{spec.related}'.", hint)
        else:
            missing = [n for n in (spec.key, *spec.fields) if not _field(line_model, n)]
            for related, names in spec.nested:
                nested = _field(line_model, related)
                if nested is None or not nested.one_to_many:
                    missing.append(related)
                else:
                    missing += [n for n in names if not _field(nested.related_model, n)]
            if missing:
                yield _error(
                    model,
                    22,
                    f"revision_lines: {missing} are not fields of {line_model.__name__}.",
                    hint,
                )
    try:
        revision_model = revision_model_of(model)
    except (AttributeError, LookupError, ValueError):
        yield _error(model, 22, "revision_model does not name an installed model.", hint)
        return
    if not issubclass(revision_model, RevisionBase) or _field(revision_model, "record") is None:
        yield _error(
            model,
            22,
            f"revision_model {revision_model.__name__} is not a RevisionBase with a 'record'.",
            hint,
        )


def check_process_model(model: Model) -> list[CheckMessage]:
    """Every mistake in one process model's declarations."""
    errors: list[CheckMessage] = list(_attribute_errors(model))
    errors.extend(_revision_errors(model))
    field = _field(model, "state")
    if not isinstance(field, FSMFieldMixin) or not field.choices:
        errors.append(_error(model, 1, "The model has no FSMField 'state' with choices."))
        return errors  # states and transitions cannot be read
    states = {str(value) for value, _label in field.flatchoices}
    if unknown := sorted(str(s) for s in model.final_states if s not in states):
        errors.append(_error(model, 10, f"final_states: {unknown} are not states of the model."))
    transitions = model.workflow_transitions()
    errors.extend(_transition_errors(model, states, transitions))
    errors.extend(_sign_off_errors(model, states, transitions))
    return errors


@register(Tags.models)
def check_process_models(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    labels = None if app_configs is None else {config.label for config in app_configs}
    errors: list[CheckMessage] = []
    for model in process_models():
        if labels is None or model._meta.app_label in labels:
            errors.extend(check_process_model(model))
    return errors
