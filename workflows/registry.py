"""Which models are processes, and the rights their declarations imply."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from .declarations import step_of
from .models import DefaultGrant, WorkflowModel
from .roles import ROLES, check_roles


def process_models() -> list[type[WorkflowModel]]:
    return [
        m
        for m in apps.get_models()
        if issubclass(m, WorkflowModel) and not m._meta.abstract and not m._meta.proxy
    ]


@cache
def process_model(app_label: str, model_name: str) -> type[WorkflowModel] | None:
    for model in process_models():
        if model._meta.app_label == app_label and model._meta.model_name == model_name:
            return model
    return None


def transition_codename(name: str) -> str:
    return f"transition_{name}"


def transition_permission(model: type[WorkflowModel], name: str) -> str:
    return f"{model._meta.app_label}.{transition_codename(name)}"


def bind_transitions() -> None:
    """Give every declared transition its Django permission (django-fsm checks
    it), and tie each step that declares ``fields`` to its model."""
    for model in process_models():
        for transition in model.workflow_transitions():
            # Fails loudly at start-up on an undeclared transition or a wrong field.
            step_of(transition).bind(model, transition.name)
            transition.permission = transition_permission(model, transition.name)


# Rights outside the processes, granted once like the declared ones. An app
# adds its own as ``role_grants`` on its AppConfig (``app_role_grants``).
ROLE_GRANTS: dict[str, tuple[str, ...]] = {
    # The marketing manager keeps the working calendar (holidays, 调休), says
    # whose manager hears of a role's overdue steps, and keeps the company's
    # details the printouts carry.
    "marketing_manager": (
        *(
            f"workflows.{action}_{model}"
            for model in ("calendarday", "escalationrule")
            for action in ("view", "add", "change", "delete")
        ),
        "workflows.view_escalation",
        *(f"workflows.{action}_companyprofile" for action in ("view", "add", "change")),
        "orders.view_customer",
        *(f"orders.{action}_majororderthreshold" for action in ("view", "add", "change")),
    ),
    # Customers are master data: sales and the order followers keep them,
    # finance reads them (credit limits, payment terms).
    **{
        role: tuple(f"orders.{action}_customer" for action in ("view", "add", "change"))
        for role in ("sales", "sales_assistant")
    },
    "finance": ("orders.view_customer",),
}


def app_role_grants() -> dict[str, set[str]]:
    """``ROLE_GRANTS`` and every app's ``AppConfig.role_grants``, by role."""
    grants: dict[str, set[str]] = defaultdict(set)
    for role, perms in ROLE_GRANTS.items():
        grants[role].update(perms)
    for config in apps.get_app_configs():
        for role, perms in getattr(config, "role_grants", {}).items():
            check_roles([role], f"{config.label}.role_grants")
            grants[role].update(perms)
    return grants


def sync_roles(verbosity: int = 0) -> None:
    """Create the role groups and the transition permissions, and grant each
    declared right to its roles once."""
    groups = {}
    for role in ROLES:
        groups[role.code], _created = Group.objects.get_or_create(name=role.code)

    wanted: dict[tuple[int, str], set[str]] = defaultdict(set)
    for model in process_models():
        ct = ContentType.objects.get_for_model(model)
        opts = model._meta
        for transition in model.workflow_transitions():
            step = step_of(transition)
            perm, _created = Permission.objects.get_or_create(
                content_type=ct,
                codename=transition_codename(transition.name),
                defaults={"name": f"Take step: {step.label!s}"[:255]},
            )
            wanted[(perm.pk, perm.codename)].update(step.roles)
        creators = model.creator_roles
        viewers = {r.code for r in ROLES if r.manager}
        for codename, roles in (
            (f"add_{opts.model_name}", set(creators)),
            (f"view_{opts.model_name}", viewers),
        ):
            perm = Permission.objects.filter(content_type=ct, codename=codename).first()
            if perm is not None:
                wanted[(perm.pk, codename)].update(roles)

    for role, perms in app_role_grants().items():
        for dotted in sorted(perms):
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted[(perm.pk, codename)].add(role)

    already = set(DefaultGrant.objects.values_list("group_id", "permission_id"))
    new_grants = []
    for (perm_pk, _codename), roles in wanted.items():
        for role in roles:
            group = groups[role]
            if (group.pk, perm_pk) not in already:
                group.permissions.add(perm_pk)
                new_grants.append(DefaultGrant(group=group, permission_id=perm_pk))
    DefaultGrant.objects.bulk_create(new_grants, ignore_conflicts=True)
    if verbosity:
        print(f"roles: {len(groups)} groups, {len(new_grants)} new default grants")


def app_modules(name: str) -> Iterator[tuple[Any, ModuleType]]:
    """Each installed app's ``<app>.<name>`` module (``demo``, ``schedules``),
    with its app config; apps without one are passed over."""
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.{name}":
                raise  # the module exists and something it imports is missing
            continue
        yield config, module
