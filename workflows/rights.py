"""What a user may do: see a process or a record, create one, take a step.

Reads only. Everything that decides a right for the pages, the admin, the
service and the inbox is here, so that each of them applies the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import and_, or_
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .declarations import Step, step_of
from .models import Escalation, SignOff, WorkflowModel
from .registry import transition_codename
from .roles import role_members  # noqa: F401  (the pickers' users, read from here too)

if TYPE_CHECKING:
    from django_fsm import Transition


def user_roles(user: AbstractBaseUser) -> set[str]:
    """The role codes (groups) the user holds, read once per request's user."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_workflow_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._workflow_roles = cached
    return cached


def _perms(user: AbstractBaseUser) -> set[str]:
    return user.get_all_permissions() if user.is_active else set()


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


def readable(user: AbstractBaseUser, model: type[WorkflowModel], pk: int | None = None) -> QuerySet:
    """The records of ``model`` that ``user`` may read.

    Every generated page reads through here (the list, the record page, the
    print page, an attachment), so that one rule decides: anyone with a role in
    the process reads every record; a manager reads a record escalated to them
    (``pk``). Raises PermissionDenied for a user who may read none of them.
    """
    if can_view_process(user, model):
        return model.objects.all()
    if pk is not None and can_view_record(user, model, pk):
        return model.objects.filter(pk=pk)
    raise PermissionDenied(gettext("You have no role in this process."))


def can_create(user: AbstractBaseUser, model: type[WorkflowModel]) -> bool:
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.add_{opts.model_name}")


def transition_from(record: WorkflowModel, name: str) -> Transition | None:
    """The transition ``name`` as declared from the record's current state."""
    for t in record.current_transitions():
        if t.name == name:
            return t
    return None


def rule_allows(step: Step, record: WorkflowModel, user: AbstractBaseUser) -> bool:
    return step.rule is None or step.rule.allows(record, user)


def may_take(record: WorkflowModel, transition: Transition, user: AbstractBaseUser) -> bool:
    """The role's permission and the record's own rule; not the state."""
    return transition.has_perm(record, user) and rule_allows(step_of(transition), record, user)


def unmet_message(conditions: list) -> str:
    """What the unmet conditions of a step say, in a line."""
    return " ".join(str(getattr(c, "message", _("Not possible yet."))) for c in conditions)


@dataclass(frozen=True)
class Action:
    transition: Transition
    step: Step
    enabled: bool
    reason: str | Promise = ""

    @property
    def name(self) -> str:
        return self.transition.name


def available_actions(record: WorkflowModel, user: AbstractBaseUser) -> list[Action]:
    """Transitions from the current state this user may take, in declaration order.

    A transition whose conditions are not met yet (a sign-off missing) is
    listed disabled with the reason, so the user sees what is waiting.
    """
    actions = []
    for transition in record.current_transitions():
        if not may_take(record, transition, user):
            continue
        met = all(cond(record) for cond in transition.conditions)
        reason = "" if met else unmet_message(transition.conditions)
        actions.append(Action(transition, step_of(transition), met, reason))
    return actions


@dataclass(frozen=True)
class InboxFilter:
    """Where a user stands on the records of a process, as filters.

    ``todo``: the records with a step the user can take now, or a signature
    of theirs missing; ``waiting``: the records whose only steps for the user
    wait on a condition (signatures of other departments), so that they wait
    on others. ``steps`` holds, for each step the user may take, the filter of
    the records where it is possible now and of those where it waits; ``sign``
    the records the user is to sign. The inbox annotates each row with them.
    """

    todo: Q
    waiting: Q | None
    steps: tuple[tuple[Transition, Q, Q | None], ...]
    sign: Q | None


def _met(model: type[WorkflowModel], transition: Transition) -> Q | None:
    """The records where the step's conditions that have a filter form are met,
    or None when none has one (a condition without one counts as met)."""
    found = [c.q(model) for c in transition.conditions if getattr(c, "q", None) is not None]
    return reduce(and_, found) if found else None


def inbox_filter(model: type[WorkflowModel], user: AbstractBaseUser) -> InboxFilter | None:
    """The filters of ``model``'s records for the user's inbox, or None when
    the user has no step and no signature in the process."""
    perms = _perms(user)
    app = model._meta.app_label
    steps = []
    for t in model.workflow_transitions():
        if not (user.is_superuser or f"{app}.{transition_codename(t.name)}" in perms):
            continue
        step = step_of(t)
        if not step.inbox:
            continue
        # Any state: a filter that is true, not an empty Q (which an OR drops).
        clause = Q(state__isnull=False) if t.source == "*" else Q(state=t.source)
        if step.rule is not None:
            clause &= step.rule.q(user)
        met = _met(model, t)
        if met is None:
            steps.append((t, clause, None))
        else:
            steps.append((t, clause & met, clause & ~met))
    roles = user_roles(user)
    ct = ContentType.objects.get_for_model(model)
    signs = []
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
        signs.append(Q(state=state) & ~Exists(signed))
    if not steps and not signs:
        return None
    sign = reduce(or_, signs) if signs else None
    todo = reduce(or_, [now for _t, now, _later in steps] + signs)
    later = [w for _t, _now, w in steps if w is not None]
    waiting = reduce(or_, later) & ~todo if later else None
    return InboxFilter(todo, waiting, tuple(steps), sign)


def actionable(model: type[WorkflowModel], user: AbstractBaseUser) -> QuerySet | None:
    """Records of ``model`` whose current step this user can act on now, or None.

    A record whose only step for the user waits on a condition with a filter
    form (``all_signed``: the other departments' signatures) is not one of
    them: it waits on others (``waiting_on_others``).
    """
    found = inbox_filter(model, user)
    if found is None:
        return None
    return model.objects.filter(found.todo).exclude(state__in=model.final_states)


def waiting_on_others(model: type[WorkflowModel], user: AbstractBaseUser) -> QuerySet | None:
    """Records of ``model`` with a step for this user that waits on others, or None."""
    found = inbox_filter(model, user)
    if found is None or found.waiting is None:
        return None
    return model.objects.filter(found.waiting).exclude(state__in=model.final_states)
