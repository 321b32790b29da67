"""Taking a record along a path of steps, the way its declarations say.

Demo data and tests both walk records through their process: every step goes
through the one transition service (``transition_perform``) and every
signature through ``signoff_record``, so a walk cannot do what the process
does not allow. Who takes a step comes from its declaration, not from a table
beside it: a user holding the step's first role; the user the step's
``OwnerOnly`` rule names; for a ``NotBy`` rule, someone of the role other than
the user it names. Before a transition guarded by ``all_signed``, every
department of the current sign-off step that has not signed yet agrees.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .conditions import all_signed
from .declarations import NotBy, OwnerOnly
from .models import SignOff, WorkflowModel
from .rights import transition_from
from .selectors import current_sign_offs
from .services import StepNotAvailable, signoff_record, transition_perform

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# A user holding the role.
UserFor = Callable[[str], "AbstractBaseUser"]
# Someone else holding the role than the given user (for a ``NotBy`` rule).
AnotherFor = Callable[[str, "AbstractBaseUser"], "AbstractBaseUser"]
# The form data a step gets unless the path gives its own.
DataFor = Callable[[type[WorkflowModel], str], Mapping[str, Any]]
# Called before each step is taken (a process writing what its step waits for).
Prepare = Callable[[WorkflowModel, str], None]


@dataclass(frozen=True)
class SignAll:
    """A point of a path where every department of the current sign-off step
    agrees: ``comment`` is each one's comment, or a mapping from role to it."""

    comment: str | Mapping[str, str] = ""


# One point of a path: a step's name, (name, form data), or a sign-off.
PathItem = str | tuple[str, Mapping[str, Any]] | SignAll


def path_to(model: type[WorkflowModel], source: str, target: str) -> list[str]:
    """The shortest list of step names from ``source`` to ``target``, ties broken
    by declaration order; steps that stay in their state are left out."""
    if source == target:
        return []
    edges = [
        (t.source, t.target, t.name)
        for t in model.workflow_transitions()
        if t.target is not None and t.source != t.target
    ]
    seen: dict[str, list[str]] = {source: []}
    queue = deque([source])
    while queue:
        state = queue.popleft()
        for src, dst, name in edges:
            if src in (state, "*") and dst not in seen:
                seen[dst] = [*seen[state], name]
                if dst == target:
                    return seen[dst]
                queue.append(dst)
    raise LookupError(f"{model.__name__}: no path from {source} to {target}")


def _no_data(model: type[WorkflowModel], name: str) -> Mapping[str, Any]:
    return {}


@dataclass
class Walker:
    """Takes records through real steps: ``walker.walk(record, path)`` or
    ``walker(record, state)`` along the shortest path to ``state``.

    ``user_for(role)`` gives a user holding the role; ``another(role, user)``
    someone else holding it, for a step a ``NotBy`` rule keeps from the
    first. ``data_for(model, name)`` is the form data of a step the path
    gives none for (a path's own data is laid over it), and ``prepare(record,
    name)`` runs before each step.
    """

    user_for: UserFor
    another: AnotherFor | None = None
    data_for: DataFor = _no_data
    prepare: Prepare | None = None
    sign_comment: Callable[[str], str] = field(default=lambda role: "")

    def user(self, role: str) -> AbstractBaseUser:
        return self.user_for(role)

    def actor(self, record: WorkflowModel, name: str) -> AbstractBaseUser:
        """Who takes the step ``name`` on the record, as its declaration says."""
        step = type(record).step_of(name)
        if isinstance(step.rule, OwnerOnly):
            return getattr(record, step.rule.field)
        role = step.roles[0]
        user = self.user(role)
        if isinstance(step.rule, NotBy) and not step.rule.allows(record, user):
            if self.another is None:
                raise LookupError(
                    f"{type(record).__name__}.{name}: {role} is the user the step's rule "
                    "excludes, and the walker knows nobody else holding the role"
                )
            user = self.another(role, user)
        return user

    def sign_all(
        self, record: WorkflowModel, comment: str | Mapping[str, str] | None = None
    ) -> WorkflowModel:
        """Every department of the record's current sign-off step that has not
        signed this visit of the step agrees, in the declared order."""
        spec = record.current_sign_off_step()
        if spec is None:
            return record
        signed = {s.role for s in current_sign_offs(record)}
        for role in spec.roles:
            if role in signed:
                continue
            if isinstance(comment, Mapping):
                text = comment.get(role, "")
            else:
                text = comment if comment is not None else self.sign_comment(role)
            signoff_record(
                record=record,
                user=self.user(role),
                role=role,
                decision=SignOff.Decision.AGREE,
                comment=text,
                seen_seq=record.step_seq,
            )
        return record

    def ready(self, record: WorkflowModel, name: str) -> WorkflowModel:
        """What the step ``name`` waits for is done: the process's preparation,
        and the signatures a transition guarded by ``all_signed`` needs. A step
        that does not leave the record's state is left to the service to refuse."""
        transition = transition_from(record, name)
        if transition is None:
            return record
        if self.prepare is not None:
            self.prepare(record, name)
        if all_signed in transition.conditions:
            self.sign_all(record)
        return record

    def take(
        self,
        record: WorkflowModel,
        name: str,
        data: Mapping[str, Any] | None = None,
        *,
        user: AbstractBaseUser | None = None,
    ) -> WorkflowModel:
        """Take the step ``name`` with the walker's data for it and ``data`` over
        it; returns the record as the step left it."""
        state = record.state
        self.ready(record, name)
        spec = type(record).sign_off_steps.get(state)
        if spec is not None and spec.on_complete == name:
            # The last signature took the step (``SignOffStep.on_complete``).
            record.refresh_from_db()
            return record
        return transition_perform(
            record=record,
            name=name,
            user=user or self.actor(record, name),
            data={**self.data_for(type(record), name), **(data or {})},
            seen_seq=record.step_seq,
        )

    def walk(self, record: WorkflowModel, path: Iterable[PathItem]) -> WorkflowModel:
        for item in path:
            if isinstance(item, SignAll):
                self.sign_all(record, item.comment)
                record.refresh_from_db()
            elif isinstance(item, str):
                record = self.take(record, item)
            else:
                name, data = item
                record = self.take(record, name, data)
        return record

    def __call__(self, record: WorkflowModel, state: str) -> WorkflowModel:
        """Walk the record along the shortest path to ``state``."""
        record = self.walk(record, path_to(type(record), record.state, state))
        if record.state != state:
            raise StepNotAvailable(f"{record.reference} ended in {record.state}, not {state}")
        return record
