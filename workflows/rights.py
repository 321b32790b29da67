"""What a user may do: see a process or a record, create one, take a step.

Reads only. Everything that decides a right for the pages, the admin, the
service and the inbox is here, so that each of them applies the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, reduce
from operator import and_, or_
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .declarations import EVERY, NOTHING, Step, step_of
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


def _source_q(transition: Transition) -> Q:
    """The states a transition is taken from, as a filter."""
    if transition.source == "*":
        return EVERY
    if transition.source == "+":  # any state but the target
        return ~Q(state=transition.target)
    return Q(state=transition.source)


def _held_steps(
    model: type[WorkflowModel], user: AbstractBaseUser
) -> list[tuple[Transition, Step, Q]]:
    """Each declared step of ``model`` the user holds the right to take, with
    the records it may be taken on by them, as a filter: its source states and
    its rule. The one place both the read scope's ``CurrentStep()`` and the
    inbox work this out."""
    perms = _perms(user)
    app = model._meta.app_label
    held = []
    for t in model.workflow_transitions():
        if not (user.is_superuser or f"{app}.{transition_codename(t.name)}" in perms):
            continue
        step = step_of(t)
        clause = _source_q(t)
        if step.rule is not None:
            clause &= step.rule.q(user)
        held.append((t, step, clause))
    return held


@dataclass
class ProcessReader:
    """A user as a process's read scope sees them (``declarations.Reader``)."""

    model: type[WorkflowModel]
    user: AbstractBaseUser

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(user_roles(self.user))

    def takes_part(self) -> bool:
        return can_view_process(self.user, self.model)

    def on_current_step(self) -> Q:
        model = self.model
        found = NOTHING
        for _t, _step, clause in _held_steps(model, self.user):
            found |= clause
        for state, spec in model.sign_off_steps.items():
            mine = [r for r in spec.roles if r in self.roles]
            if mine:
                found |= Q(state=state) & reduce(or_, [spec.asked_q(r) for r in mine])
        return found & ~Q(state__in=model.final_states)

    def escalated(self) -> Q:
        return Exists(
            Escalation.objects.filter(
                content_type=ContentType.objects.get_for_model(self.model),
                object_id=OuterRef("pk"),
                manager=self.user,
            )
        )


def manages(user: AbstractBaseUser, model: type[WorkflowModel]) -> bool:
    """The user holds one of the process's ``manager_roles`` (or is a superuser)."""
    return user.is_superuser or bool(set(model.manager_roles) & user_roles(user))


def read_filter(user: AbstractBaseUser, model: type[WorkflowModel]) -> Q:
    """The records of ``model`` that ``user`` reads, as a filter: all of them for
    a superuser and the process's managers, else what its ``read_scope`` gives."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if manages(user, model):
        return EVERY
    return model.read_scope.q(ProcessReader(model, user))


def readable(user: AbstractBaseUser, model: type[WorkflowModel], pk: int | None = None) -> QuerySet:
    """The records of ``model`` that ``user`` may read.

    The one read check: the list, the record page, the print page, an
    attachment's download, every export and the admin read through here, so
    that the process's declared ``read_scope`` decides everywhere, in the
    database. The list (``pk`` None) needs a role in the process, else
    PermissionDenied; so does a record (``pk``) unless the scope lets the user
    read it without one (a manager reads a record escalated to them).
    """
    records = model.objects.filter(read_filter(user, model))
    if can_view_process(user, model):
        return records
    if pk is not None and records.filter(pk=pk).exists():
        return records
    raise PermissionDenied(gettext("You have no role in this process."))


def read_record(
    user: AbstractBaseUser,
    model: type[WorkflowModel],
    pk: int,
    related: tuple[str, ...] = (),
) -> WorkflowModel:
    """The record ``pk`` if ``user`` may read it (fetched with ``related``): 404
    when there is none, 403 when it is outside what the user reads."""
    record = readable(user, model, pk).select_related(*related).filter(pk=pk).first()
    if record is not None:
        return record
    if model.objects.filter(pk=pk).exists():
        raise PermissionDenied(gettext("This record is not among those you may read."))
    raise Http404(gettext("There is no such record."))


def may_read(user: AbstractBaseUser, record: WorkflowModel) -> bool:
    """Whether ``user`` reads ``record`` as it is now (one query): after a step
    of theirs, a department that read it only while the step waited on them
    may read it no more."""
    model = type(record)
    q = read_filter(user, model)
    if q is NOTHING:
        return False
    return model.objects.filter(q, pk=record.pk).exists()


def may_attach(record: WorkflowModel, user: AbstractBaseUser) -> bool:
    """Whether ``user`` may attach a file to ``record``: never once it is closed;
    else its owner, whoever may take its current step (role and rule) or
    belongs to a department of its sign-off, and the process's managers."""
    if record.is_final or not user.is_authenticated or not user.is_active:
        return False
    if manages(user, type(record)) or record.owner_id == user.pk:
        return True
    spec = record.current_sign_off_step()
    if spec is not None and set(spec.roles) & user_roles(user):
        return True
    return any(may_take(record, t, user) for t in record.current_transitions())


def attach_refusal(record: WorkflowModel, user: AbstractBaseUser) -> str:
    """Why ``may_attach`` says no, in a sentence."""
    if record.is_final:
        return gettext("This record is closed: no more files can be attached.")
    return gettext(
        "Only the record's owner, those who take its current step or sign it, and the "
        "process's managers may attach files."
    )


def may_create_for_others(user: AbstractBaseUser, model: type[WorkflowModel]) -> bool:
    """Whether ``user`` may open a record of ``model`` in someone else's name
    (the model's ``on_behalf_roles``); others open records for themselves."""
    return user.is_superuser or bool(set(model.on_behalf_roles) & user_roles(user))


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
    # The states the user signs in (those of ``sign``).
    sign_states: frozenset[str] = frozenset()


def _met(model: type[WorkflowModel], transition: Transition) -> Q | None:
    """The records where the step's conditions that have a filter form are met,
    or None when none has one (a condition without one counts as met)."""
    found = [c.q(model) for c in transition.conditions if getattr(c, "q", None) is not None]
    return reduce(and_, found) if found else None


def inbox_filter(model: type[WorkflowModel], user: AbstractBaseUser) -> InboxFilter | None:
    """The filters of ``model``'s records for the user's inbox, or None when
    the user has no step and no signature in the process."""
    steps = []
    for t, step, clause in _held_steps(model, user):
        if not step.inbox:
            continue
        met = _met(model, t)
        if met is None:
            steps.append((t, clause, None))
        else:
            steps.append((t, clause & met, clause & ~met))
    roles = user_roles(user)
    ct = ContentType.objects.get_for_model(model)
    signs: list[tuple[frozenset[str] | None, Q]] = []
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
        asked = reduce(or_, [spec.asked_q(r) for r in sorted(mine)])
        signs.append((frozenset({state}), Q(state=state) & asked & ~Exists(signed)))
    if not steps and not signs:
        return None
    sign = reduce(or_, [q for _s, q in signs]) if signs else None
    nows = [(source_states(t), now) for t, now, _later in steps] + signs
    todo = reduce(or_, _distinct([q for _s, q in nows]))
    later = [(source_states(t), w) for t, _now, w in steps if w is not None]
    waiting = None
    if later:
        waiting = reduce(or_, _distinct([w for _s, w in later]))
        # A record waits on others when no step of the user's is possible on it
        # now; only the steps taken from the states it can be in need saying so.
        in_later = _union([s for s, _w in later])
        overlapping = [q for s, q in nows if states_overlap(s, in_later)]
        if overlapping:
            waiting &= ~reduce(or_, _distinct(overlapping))
    sign_states = frozenset(st for s, _q in signs if s for st in s)
    return InboxFilter(todo, waiting, tuple(steps), sign, sign_states)


def source_states(transition: Transition) -> frozenset[str] | None:
    """The states a transition is taken from, or None for any (``*``, ``+``)."""
    if transition.source in ("*", "+"):
        return None
    return frozenset({transition.source})


def _distinct(clauses: list[Q]) -> list[Q]:
    """The clauses without repeats (two steps taken on the same records)."""
    found: list[Q] = []
    for clause in clauses:
        if clause not in found:
            found.append(clause)
    return found


def _union(sets: list[frozenset[str] | None]) -> frozenset[str] | None:
    if any(s is None for s in sets):
        return None
    return frozenset().union(*sets)  # type: ignore[arg-type]


def states_overlap(a: frozenset[str] | None, b: frozenset[str] | None) -> bool:
    """Whether two sets of states (None: any state) share one."""
    return a is None or b is None or bool(a & b)


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
