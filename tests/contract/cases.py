"""The cases of the contract suite, read from the declarations of every process
model that has a kit: its transitions (one per source state), its steps
(one per name), the fields they require, the rules they carry, and the
roles that do or do not take part in the process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse
from django_fsm import Transition

from tests.factories import UserFactory
from tests.kits import kits
from tests.workflow_checks import count_fields, required_fields
from workflows.declarations import (
    CurrentStep,
    Escalated,
    NotBy,
    Owner,
    OwnerOnly,
    Participants,
    Roles,
    step_of,
)
from workflows.models import Escalation, WorkflowModel
from workflows.roles import MANAGER_ROLES, ROLES

ROLE_CODES = [r.code for r in ROLES]
MODELS = [kit.model for kit in kits()]


def _id(model: type[WorkflowModel], t: Transition) -> str:
    return f"{model.__name__}.{t.name}[{t.source}]"


def _by_engine(model: type[WorkflowModel]) -> set[str]:
    """The steps the engine takes when the last department of a sign-off agrees
    (``SignOffStep.on_complete``): nobody takes them by hand, so they are
    tested with their process."""
    return {spec.on_complete for spec in model.sign_off_steps.values() if spec.on_complete}


def transitions() -> list[tuple[type[WorkflowModel], Transition]]:
    return [(m, t) for m in MODELS for t in m.workflow_transitions() if t.name not in _by_engine(m)]


def transition_cases(keep: Any = lambda model, t: True) -> list[Any]:
    """``(model, transition)`` per declared (step, source), named ``Model.step[source]``."""
    return [pytest.param(m, t, id=_id(m, t)) for m, t in transitions() if keep(m, t)]


def first_sources() -> dict[tuple[type[WorkflowModel], str], Transition]:
    """Each step of each model, from its first source."""
    found: dict[tuple[type[WorkflowModel], str], Transition] = {}
    for model, t in transitions():
        found.setdefault((model, t.name), t)
    return found


def step_cases() -> list[Any]:
    """``(model, transition)`` per step name, from its first source."""
    return [
        pytest.param(m, t, id=f"{m.__name__}.{name}") for (m, name), t in first_sources().items()
    ]


def required_cases() -> list[Any]:
    """``(model, transition, field)`` for every field a step's form requires."""
    return [
        pytest.param(m, t, field, id=f"{m.__name__}.{name}.{field}")
        for (m, name), t in first_sources().items()
        for field in required_fields(t)
    ]


def count_cases() -> list[Any]:
    """``(model, transition, field, lowest)`` for every count a step's form asks
    for (an integer that starts at 1 or more)."""
    return [
        pytest.param(m, t, field, lowest, id=f"{m.__name__}.{name}.{field}")
        for (m, name), t in first_sources().items()
        for field, lowest in count_fields(t).items()
    ]


def is_owner_only(transition: Transition) -> bool:
    return isinstance(step_of(transition).rule, OwnerOnly)


def is_not_by(transition: Transition) -> bool:
    return isinstance(step_of(transition).rule, NotBy)


def model_cases(keep: Any = lambda model: True) -> list[Any]:
    return [pytest.param(m, id=m.__name__) for m in MODELS if keep(m)]


# --- Roles ---------------------------------------------------------------------------


def process_roles(model: type[WorkflowModel]) -> list[str]:
    """The roles that take part in the process: a step, a sign-off or creating."""
    taking = {r for t in model.workflow_transitions() for r in step_of(t).roles}
    signing = {r for spec in model.sign_off_steps.values() for r in spec.roles}
    wanted = taking | signing | set(model.creator_roles)
    return [code for code in ROLE_CODES if code in wanted]


def managers_outside(model: type[WorkflowModel]) -> list[str]:
    """The managers (who may see every process) that take no part in this one."""
    inside = set(process_roles(model))
    return [r.code for r in ROLES if r.manager and r.code not in inside]


def outsiders(model: type[WorkflowModel]) -> list[str]:
    """The roles that take no part in the process and are no managers."""
    inside = set(process_roles(model))
    return [r.code for r in ROLES if not r.manager and r.code not in inside]


def outsider_cases() -> list[Any]:
    """Per model: a user with no role, with one role outside the process, with two."""
    cases = []
    for model in MODELS:
        others = outsiders(model)
        for roles in ([], others[:1], others[1:3]):
            name = "+".join(roles) or "no_role"
            cases.append(pytest.param(model, roles, id=f"{model.__name__}.{name}"))
    return cases


def viewer_cases() -> list[Any]:
    """Per model: every role of the process, and a manager outside it."""
    return [
        pytest.param(model, role, id=f"{model.__name__}.{role}")
        for model in MODELS
        for role in [*process_roles(model), *managers_outside(model)[:1]]
    ]


def has_create_page(model: type[WorkflowModel]) -> bool:
    """The process has a creation page (one whose records another record's
    step opens, such as a complaint's actions, has none)."""
    try:
        reverse(f"{model._meta.app_label}:{model._meta.model_name}_create")
    except NoReverseMatch:
        return False
    return True


def non_creator_cases() -> list[Any]:
    """Per model with a creation page: up to three roles of the process that
    do not open records."""
    return [
        pytest.param(model, role, id=f"{model.__name__}.{role}")
        for model in MODELS
        if has_create_page(model)
        for role in [r for r in process_roles(model) if r not in model.creator_roles][:3]
    ]


def role_lacking(model: type[WorkflowModel], transition: Transition) -> str:
    """A role of the process that the step does not name."""
    roles = step_of(transition).roles
    return next(r for r in process_roles(model) if r not in roles)


# --- Who reads what (the read scope, read from the declarations) -------------------------
#
# These read a model's ``read_scope`` part by part, from what the process
# declares (its steps' roles and rules, its sign-offs, its owner field), not
# through ``workflows.rights``, so that the pages are checked against the
# declarations rather than against themselves.


def takes_part(model: type[WorkflowModel], roles: set[str]) -> bool:
    """A user holding ``roles`` may open the process's list: a role of the
    process, or a manager (granted the view right on every process)."""
    return bool(roles & (set(process_roles(model)) | set(MANAGER_ROLES)))


def owner_of(record: WorkflowModel, path: str) -> Any:
    """The pk of the user ``path`` names (``"customer__salesperson"``)."""
    *through, last = path.split("__")
    target: Any = record
    for part in through:
        target = getattr(target, part)
    return getattr(target, f"{last}_id")


def on_current_step(model: type[WorkflowModel], roles: set[str], record: Any, user: Any) -> bool:
    """A role of a step the record's state offers whose rule lets the user take
    it, or a department of the state's sign-off; never on a closed record."""
    if record.state in model.final_states:
        return False
    for t in model.workflow_transitions():
        if t.source not in (record.state, "*") or not roles & set(step_of(t).roles):
            continue
        rule = step_of(t).rule
        if rule is None or rule.allows(record, user):
            return True
    spec = model.sign_off_steps.get(record.state)
    return bool(spec and roles & set(spec.roles))


def escalated_to(record: Any, user: Any) -> bool:
    return Escalation.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk, manager=user
    ).exists()


def reads(model: type[WorkflowModel], roles: set[str], record: Any, user: Any) -> bool:
    """Whether ``user``, holding ``roles``, reads ``record`` by the model's
    declarations: its managers always, else any part of its read scope."""
    if roles & set(model.manager_roles):
        return True
    for part in model.read_scope.parts():
        if isinstance(part, Participants):
            found = takes_part(model, roles)
        elif isinstance(part, Roles):
            found = bool(roles & set(part.codes))
        elif isinstance(part, Owner):
            found = owner_of(record, part.path(model)) == user.pk
        elif isinstance(part, CurrentStep):
            found = on_current_step(model, roles, record, user)
        elif isinstance(part, Escalated):
            found = escalated_to(record, user)
        else:
            raise AssertionError(f"the contract suite does not know the read scope {part!r}")
        if found:
            return True
    return False


def reads_every_record(model: type[WorkflowModel]) -> str:
    """A role of the process whose holders read every record of it, for the
    checks of the list's filters and search."""
    every = set(model.manager_roles)
    for part in model.read_scope.parts():
        if isinstance(part, Participants):
            every |= set(process_roles(model))
        elif isinstance(part, Roles):
            every |= set(part.codes)
    inside = [r for r in process_roles(model) if r in every]
    return (inside or [r for r in ROLE_CODES if r in every])[0]


def reads_all(model: type[WorkflowModel], role: str) -> bool:
    """The holders of ``role`` read every record of the process."""
    if role in model.manager_roles:
        return True
    for part in model.read_scope.parts():
        if isinstance(part, Participants) and takes_part(model, {role}):
            return True
        if isinstance(part, Roles) and role in part.codes:
            return True
    return False


def let_read(model: type[WorkflowModel], user: Any, roles: set[str], record: Any) -> None:
    """When ``roles`` (the user's) do not let ``user`` read ``record``, give them
    one more role that reads every record of the process, so that a check of
    what a step's page does past the read check can be made: their request
    then fails, or succeeds, on what it checks, not on reading."""
    if reads(model, roles, record, user):
        return
    extra = next(r for r in ROLE_CODES if r not in roles and reads_all(model, r))
    user.groups.add(Group.objects.get(name=extra))
    for cached in ("_workflow_roles", "_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cached, None)


def may_attach(model: type[WorkflowModel], roles: set[str], record: Any, user: Any) -> bool:
    """Who attaches files, by the declarations: on an open record only, its
    owner, who may take its current step or signs it, and its managers."""
    if record.state in model.final_states:
        return False
    if roles & set(model.manager_roles) or record.owner_id == user.pk:
        return True
    return on_current_step(model, roles, record, user)


def has_escalated_scope(model: type[WorkflowModel]) -> bool:
    return any(isinstance(p, Escalated) for p in model.read_scope.parts())


# --- Users -----------------------------------------------------------------------------


def users_once() -> Callable[..., Any]:
    """Like the ``role_user`` fixture, for a module: ``get("qa")`` makes a user
    holding only that role the first time, and gives the same one after."""
    made: dict[tuple[str, ...], Any] = {}

    def get(*roles: str) -> Any:
        key = tuple(sorted(roles))
        if key not in made:
            made[key] = UserFactory(roles=list(key))
        return made[key]

    return get


# --- Records ----------------------------------------------------------------------------


def rule_holder(transition: Transition, user: Any) -> dict[str, Any]:
    """The record fields that make ``user`` the one a step's owner rule names."""
    rule = step_of(transition).rule
    return {rule.field: user} if isinstance(rule, OwnerOnly) else {}
