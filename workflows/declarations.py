"""What a process declares on its transitions, read by every part of the engine.

A process model decorates each transition with django-fsm's ``@transition``
and passes ``custom=step(...)``. The engine reads the ``Step`` back from the
transition to draw buttons, check rights, build forms, set deadlines and
notify.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .roles import check_roles

if TYPE_CHECKING:
    from django import forms
    from django.contrib.auth.models import AbstractBaseUser
    from django_fsm import Transition

    from .models import WorkflowModel

Label = str | Promise
DueRule = dt.timedelta | str | Callable[["WorkflowModel"], dt.datetime | None]
# A write on other records, run by the service inside the transition's
# transaction: a callable or its dotted path (which avoids import cycles).
Effect = Callable[..., Any] | str
CommentMode = Literal["optional", "required", "hidden"]
ButtonStyle = Literal["primary", "success", "danger", "warning", "secondary", "outline-secondary"]

STEP_KEY = "workflow_step"


class Rule:
    """A right that depends on the record, checked on top of the role's permission."""

    message: Label = _("This step is not yours to take on this record.")

    def allows(self, record: WorkflowModel, user: AbstractBaseUser) -> bool:
        raise NotImplementedError

    def q(self, user: AbstractBaseUser) -> Q:
        """The same rule as a filter, so the inbox can apply it in the database."""
        raise NotImplementedError


@dataclass(frozen=True)
class OwnerOnly(Rule):
    """Only the user named in ``field`` (e.g. the record's salesperson) may act."""

    field: str = "owner"
    message: Label = _("Only the person responsible for this record may take this step.")

    def allows(self, record: WorkflowModel, user: AbstractBaseUser) -> bool:
        return getattr(record, f"{self.field}_id") == user.pk

    def q(self, user: AbstractBaseUser) -> Q:
        return Q(**{f"{self.field}_id": user.pk})


@dataclass(frozen=True)
class NotBy(Rule):
    """Nobody approves their own request: the user named in ``field`` may not act."""

    field: str = "created_by"
    message: Label = _("You cannot approve a request of your own.")

    def allows(self, record: WorkflowModel, user: AbstractBaseUser) -> bool:
        return getattr(record, f"{self.field}_id") != user.pk

    def q(self, user: AbstractBaseUser) -> Q:
        return ~Q(**{f"{self.field}_id": user.pk})


@dataclass(frozen=True)
class Step:
    label: Label
    roles: tuple[str, ...]
    # The step's form class or its dotted path (models and forms import each other).
    form: type[forms.Form] | str | None = None
    due: DueRule | None = None
    notify: tuple[str, ...] = ()
    rule: Rule | None = None
    comment: CommentMode = "optional"
    attachments: bool = False
    style: ButtonStyle = "primary"
    effect: Effect | None = None
    help_text: Label = ""
    # False for a step that is possible but not expected (cancelling): it puts
    # the record in nobody's inbox and notifies nobody.
    inbox: bool = True

    def __post_init__(self) -> None:
        check_roles(self.roles, f"step {self.label!s}")
        check_roles(self.notify, f"step {self.label!s} (notify)")


def step(
    *,
    label: Label,
    roles: tuple[str, ...] | list[str],
    form: type[forms.Form] | str | None = None,
    due: DueRule | None = None,
    notify: tuple[str, ...] | list[str] = (),
    rule: Rule | None = None,
    comment: CommentMode = "optional",
    attachments: bool = False,
    style: ButtonStyle = "primary",
    effect: Effect | None = None,
    help_text: Label = "",
    inbox: bool = True,
) -> dict[str, Step]:
    """The ``custom=`` of a django-fsm ``@transition``."""
    return {
        STEP_KEY: Step(
            label=label,
            roles=tuple(roles),
            form=form,
            due=due,
            notify=tuple(notify),
            rule=rule,
            comment=comment,
            attachments=attachments,
            style=style,
            effect=effect,
            help_text=help_text,
            inbox=inbox,
        )
    }


def form_class_of(step: Step) -> type[forms.Form] | None:
    if isinstance(step.form, str):
        return import_string(step.form)
    return step.form


def step_of(transition: Transition) -> Step:
    try:
        return transition.custom[STEP_KEY]
    except KeyError:
        raise LookupError(
            f"transition {transition.name} has no custom=step(...) declaration"
        ) from None


@dataclass(frozen=True)
class SignOffStep:
    """A state in which several departments must each agree before the record moves on.

    ``on_refuse`` names the transition the engine takes, with the refusal's
    reason as its comment, when one department refuses.
    """

    roles: tuple[str, ...]
    label: Label = ""
    on_refuse: str | None = None
    # Each department must write its opinion (a consultation), not only agree.
    comment_required: bool = False
    decisions: tuple[tuple[str, Label], ...] = field(
        default=(("agree", _("Agree")), ("refuse", _("Refuse")))
    )

    def __post_init__(self) -> None:
        check_roles(self.roles, f"sign-off {self.label!s}")


def compute_due(
    rule: DueRule | None, record: WorkflowModel, now: dt.datetime | None = None
) -> dt.datetime | None:
    """The deadline a rule gives for the step the record has just entered."""
    if rule is None:
        return None
    now = now or timezone.now()
    if isinstance(rule, dt.timedelta):
        return now + rule
    value = getattr(record, rule) if isinstance(rule, str) else rule(record)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    # A date means the end of that day where the department works.
    end = dt.datetime.combine(value, dt.time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())
