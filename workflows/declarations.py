"""What a process declares on its transitions, read by every part of the engine.

A process model decorates each transition with django-fsm's ``@transition``
and passes ``custom=step(...)``. The engine reads the ``Step`` back from the
transition to draw buttons, check rights, build forms, set deadlines and
notify.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, Protocol

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
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

# Filters every record and no record match. (An empty ``Q()`` would match
# every record too, but vanishes when combined with ``|``.)
EVERY = Q(pk__isnull=False)
NOTHING = Q(pk__in=[])


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


@dataclass(frozen=True, eq=False)
class FormFields:
    """A form made of the record's own model fields, built by the engine
    (``workflows.forms.model_form_class``): a step's ``fields=``, or a model's
    ``create_form``.

    ``required``: fields the form must get although the model allows them blank
    (later steps fill them in); ``not_in_past``: date fields that may not be
    earlier than today; ``labels``: a field's name in this form only;
    ``limit_choices_to``: the rows a relation offers here (active customers).
    Compared by identity: each declaration is its own form.
    """

    fields: tuple[str, ...]
    required: tuple[str, ...] = ()
    not_in_past: tuple[str, ...] = ()
    labels: Mapping[str, Label] = field(default_factory=dict)
    limit_choices_to: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.fields:
            raise ValueError("a form of model fields needs at least one field")
        for part in ("required", "not_in_past", "labels", "limit_choices_to"):
            unknown = [n for n in getattr(self, part) if n not in self.fields]
            if unknown:
                raise ValueError(f"{part} names fields the form does not have: {unknown}")
        # Declarations are shared by every request: nothing may change them.
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))
        object.__setattr__(
            self,
            "limit_choices_to",
            MappingProxyType(
                {k: MappingProxyType(dict(v)) for k, v in self.limit_choices_to.items()}
            ),
        )

    def check(self, model: type[WorkflowModel], where: str) -> None:
        """Each field is an editable field of ``model`` (fail at start-up, not on a page)."""
        for name in self.fields:
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:
                raise ImproperlyConfigured(
                    f"{where}: {model.__name__} has no field {name!r}"
                ) from None
            if not getattr(model_field, "editable", False) or not model_field.concrete:
                raise ImproperlyConfigured(
                    f"{where}: {model.__name__}.{name} is not an editable field"
                )


def form_fields(
    fields: Iterable[str],
    *,
    required: Iterable[str] = (),
    not_in_past: Iterable[str] = (),
    labels: Mapping[str, Label] | None = None,
    limit_choices_to: Mapping[str, Mapping[str, Any]] | None = None,
) -> FormFields:
    """A ``FormFields`` from lists, as a model's ``create_form`` declares it."""
    return FormFields(
        fields=tuple(fields),
        required=tuple(required),
        not_in_past=tuple(not_in_past),
        labels=labels or {},
        limit_choices_to=limit_choices_to or {},
    )


@dataclass(frozen=True)
class Step:
    label: Label
    roles: tuple[str, ...]
    # The step's form class or its dotted path (models and forms import each
    # other). With ``fields`` it is the base the engine builds on: a ModelForm
    # whose clean methods check what the fields' shape cannot.
    form: type[forms.Form] | str | None = None
    # The model fields the step's form edits (``step(fields=..., required=...)``).
    fields: FormFields | None = None
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

    # Set once the models are ready (``workflows.registry.bind_transitions``) for a
    # step with ``fields``: the model they belong to and the transition's name.
    model: type[WorkflowModel] | None = field(default=None, init=False, compare=False, repr=False)
    name: str = field(default="", init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        check_roles(self.roles, f"step {self.label!s}")
        check_roles(self.notify, f"step {self.label!s} (notify)")

    def bind(self, model: type[WorkflowModel], name: str) -> None:
        """Tie a step with ``fields`` to the model whose fields they are."""
        if self.fields is None:
            return
        if self.model is not None and (self.model, self.name) != (model, name):
            raise ImproperlyConfigured(
                f"step {self.label!s} is declared on {self.model.__name__}.{self.name} and "
                f"{model.__name__}.{name}: each transition needs its own step(fields=...)"
            )
        self.fields.check(model, f"{model.__name__}.{name}")
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "name", name)


def step(
    *,
    label: Label,
    roles: tuple[str, ...] | list[str],
    form: type[forms.Form] | str | None = None,
    fields: Iterable[str] = (),
    required: Iterable[str] = (),
    not_in_past: Iterable[str] = (),
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
    """The ``custom=`` of a django-fsm ``@transition``.

    ``fields`` (with ``required`` and ``not_in_past``) declares the step's form
    as the record's own model fields; the engine builds it.
    """
    fields = tuple(fields)
    if not fields and (required or not_in_past):
        raise ValueError(f"step {label!s}: required and not_in_past name fields=")
    return {
        STEP_KEY: Step(
            label=label,
            roles=tuple(roles),
            form=form,
            fields=form_fields(fields, required=required, not_in_past=not_in_past)
            if fields
            else None,
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
    reason as its comment, when one department refuses. ``decisions`` are
    the values of ``SignOff.Decision`` offered, with their labels here:
    ``"conditional"`` agrees on the conditions the department must write in
    its comment, which the record page shows to everyone afterwards.
    """

    roles: tuple[str, ...]
    label: Label = ""
    on_refuse: str | None = None
    # Each department must write its opinion (a consultation), not only agree.
    comment_required: bool = False
    decisions: tuple[tuple[str, Label], ...] = field(
        default=(("agree", _("Agree")), ("refuse", _("Refuse")))
    )
    # A text field of the record holding the codes (comma-separated) of the
    # departments of ``roles`` asked on this record; blank asks all of them.
    asked_field: str | None = None
    # The transition the engine takes when the last department asked agrees
    # (it must be guarded by ``all_signed``), as what that signature caused.
    on_complete: str | None = None

    def __post_init__(self) -> None:
        check_roles(self.roles, f"sign-off {self.label!s}")

    def asked_roles(self, record: WorkflowModel) -> tuple[str, ...]:
        """The departments of ``roles`` asked on ``record``, in declaration order."""
        if not self.asked_field:
            return self.roles
        asked = {r for r in (getattr(record, self.asked_field) or "").split(",") if r}
        if not asked:
            return self.roles
        return tuple(r for r in self.roles if r in asked)

    def for_record(self, record: WorkflowModel) -> SignOffStep:
        """This step with the departments asked on ``record`` as its roles."""
        if not self.asked_field:
            return self
        return replace(self, roles=self.asked_roles(record))

    def asked_q(self, role: str) -> Q:
        """The records on which ``role`` is asked, as a filter."""
        if not self.asked_field:
            return Q()
        name = self.asked_field
        return Q(**{name: ""}) | Q(**{f"{name}__regex": rf"(^|,){role}(,|$)"})


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


# --- Who reads which records of a process ------------------------------------------------


class Reader(Protocol):
    """A user as a process's read scope sees them (made by ``workflows.rights``,
    which knows the user's roles and rights in the process)."""

    model: type[WorkflowModel]
    user: AbstractBaseUser

    @property
    def roles(self) -> frozenset[str]:
        """The user's role codes."""

    def takes_part(self) -> bool:
        """The user has a role in the process (a step, a sign-off, creating, the view right)."""

    def on_current_step(self) -> Q:
        """Open records whose current step the user may take (role and rule), or
        whose sign-off names one of the user's roles."""

    def escalated(self) -> Q:
        """Records escalated to the user."""


class ReadScope:
    """Who reads which records of a process: a model's ``read_scope``.

    ``q(reader)`` is the records ``reader`` reads as a filter, applied in the
    database by ``workflows.rights.readable`` for the list, the record, print
    and attachment pages, exports and the admin. Parts combine with ``|``:
    ``Owner() | Roles("qa") | CurrentStep() | Escalated()``. A process's
    ``manager_roles`` and superusers read every record whatever the scope.
    """

    def q(self, reader: Reader) -> Q:
        raise NotImplementedError

    def parts(self) -> tuple[ReadScope, ...]:
        return (self,)

    def roles(self) -> tuple[str, ...]:
        """The role codes the scope names (checked by ``workflows.E019``)."""
        return ()

    def __or__(self, other: ReadScope) -> AnyOf:
        if not isinstance(other, ReadScope):
            return NotImplemented
        return AnyOf(self.parts() + other.parts())


@dataclass(frozen=True)
class Participants(ReadScope):
    """Everyone with a role in the process reads every record (the default)."""

    def q(self, reader: Reader) -> Q:
        return EVERY if reader.takes_part() else NOTHING


@dataclass(frozen=True)
class Owner(ReadScope):
    """The user a field names reads the record: the model's ``owner_field`` by
    default, or a path through relations (``"customer__salesperson"``: the
    salesperson of the record's customer)."""

    field: str | None = None

    def path(self, model: type[WorkflowModel]) -> str:
        return self.field or model.owner_field

    def q(self, reader: Reader) -> Q:
        return Q(**{f"{self.path(reader.model)}_id": reader.user.pk})


@dataclass(frozen=True, init=False)
class Roles(ReadScope):
    """The holders of these roles read every record: ``Roles("qa", "warehouse")``."""

    codes: tuple[str, ...]

    def __init__(self, *codes: str) -> None:
        check_roles(codes, "read scope Roles(...)")
        object.__setattr__(self, "codes", tuple(codes))

    def q(self, reader: Reader) -> Q:
        return EVERY if reader.roles & set(self.codes) else NOTHING

    def roles(self) -> tuple[str, ...]:
        return self.codes


@dataclass(frozen=True)
class CurrentStep(ReadScope):
    """Who may take the record's current step (its role and rule), or belongs
    to a department of its pending sign-off, reads it while it is there."""

    def q(self, reader: Reader) -> Q:
        return reader.on_current_step()


@dataclass(frozen=True)
class Escalated(ReadScope):
    """A manager reads a record escalated to them."""

    def q(self, reader: Reader) -> Q:
        return reader.escalated()


@dataclass(frozen=True)
class AnyOf(ReadScope):
    """Any of the parts lets the user read (``a | b``)."""

    members: tuple[ReadScope, ...]

    def q(self, reader: Reader) -> Q:
        found = NOTHING
        for part in self.members:
            found |= part.q(reader)
        return found

    def parts(self) -> tuple[ReadScope, ...]:
        return self.members

    def roles(self) -> tuple[str, ...]:
        return tuple(code for part in self.members for code in part.roles())


# Today's rule, and every process's unless it declares another.
DEFAULT_READ_SCOPE = Participants() | Escalated()
