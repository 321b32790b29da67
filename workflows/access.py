"""Who may see what, and what waits for whom: reads shared by views and admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from .declarations import step_of
from .models import Escalation, SignOff, WorkflowModel
from .registry import process_models, transition_codename
from .services import user_roles


def _perms(user: AbstractBaseUser) -> set[str]:
    return user.get_all_permissions() if user.is_active else set()


def role_members(code: str, *, active_only: bool = True) -> QuerySet:
    """The users holding a role, for pickers (a salesperson, a business developer)."""
    users = get_user_model().objects.filter(groups__name=code)
    if active_only:
        users = users.filter(is_active=True)
    return users.order_by("username")


def can_view_process(user: AbstractBaseUser, model: type[WorkflowModel]) -> bool:
    """Anyone with a role in the process (a step, a sign-off, creating) or the view right."""
    if user.is_superuser:
        return True
    app = model._meta.app_label
    perms = _perms(user)
    own = {p.split(".", 1)[1] for p in perms if p.startswith(f"{app}.")}
    names = {transition_codename(t.name) for t in model.workflow_transitions()}
    opts = model._meta
    if own & (names | {f"view_{opts.model_name}", f"add_{opts.model_name}"}):
        return True
    signers = {r for spec in model.sign_off_steps.values() for r in spec.roles}
    return bool(signers & user_roles(user))


def can_view_record(user: AbstractBaseUser, model: type[WorkflowModel], pk: int) -> bool:
    """As ``can_view_process``, and a manager may see a record escalated to them."""
    if can_view_process(user, model):
        return True
    return Escalation.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=pk, manager=user
    ).exists()


def can_create(user: AbstractBaseUser, model: type[WorkflowModel]) -> bool:
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.add_{opts.model_name}")


def actionable(model: type[WorkflowModel], user: AbstractBaseUser) -> QuerySet | None:
    """Records of ``model`` whose current step this user can act on, or None."""
    perms = _perms(user)
    app = model._meta.app_label
    q = Q(pk__in=[])
    any_clause = False
    for t in model.workflow_transitions():
        if not (user.is_superuser or f"{app}.{transition_codename(t.name)}" in perms):
            continue
        step = step_of(t)
        if not step.inbox:
            continue
        clause = Q() if t.source == "*" else Q(state=t.source)
        if step.rule is not None:
            clause &= step.rule.q(user)
        q |= clause
        any_clause = True
    roles = user_roles(user)
    ct = ContentType.objects.get_for_model(model)
    for state, spec in model.sign_off_steps.items():
        mine = set(spec.roles) & roles
        if not mine:
            continue
        signed = SignOff.objects.filter(
            content_type=ct,
            object_id=OuterRef("pk"),
            step_seq=OuterRef("step_seq"),
            role__in=mine,
        )
        q |= Q(state=state) & ~Exists(signed)
        any_clause = True
    if not any_clause:
        return None
    return model.objects.filter(q).exclude(state__in=model.final_states)


def by_deadline(qs: QuerySet) -> QuerySet:
    return qs.order_by(F("step_due_at").asc(nulls_last=True), "created_at")


@dataclass
class InboxSection:
    model: type[WorkflowModel]
    count: int
    records: list[Any]

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    @property
    def label(self) -> Any:
        return self.model.process_name()


def inbox(user: AbstractBaseUser, limit: int = 50) -> list[InboxSection]:
    """Per process: how many records wait for the user, and the most urgent of them."""
    sections = []
    for model in process_models():
        qs = actionable(model, user)
        if qs is None:
            continue
        related = [
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and f.name in ("customer", "salesperson")
        ]
        records = list(by_deadline(qs.select_related(*related))[:limit])
        count = len(records) if len(records) < limit else qs.count()
        sections.append(InboxSection(model, count, records))
    return sections
