"""The engine's tables: the base of every process record, sign-offs,
attachments, rights and the working calendar. The audit trail is django-fsm-log's
``StateLog``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models.signals import class_prepared
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from ..declarations import (
    DEFAULT_READ_SCOPE,
    DueRule,
    FormFields,
    ReadScope,
    SignOffStep,
    Step,
    compute_due,
    step_of,
)
from ..uploads import fit_file_name
from ..validators import FUTURE_DATE

if TYPE_CHECKING:
    from django import forms
    from django.contrib.auth.models import AbstractBaseUser
    from django_fsm import Transition


class ReferenceCounter(models.Model):
    """The last number given per prefix and year, for references like SP-2026-0042."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="unique_reference_counter")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"

    @classmethod
    def next_reference(cls, prefix: str, year: int) -> str:
        with transaction.atomic():
            cls.objects.get_or_create(prefix=prefix, year=year)
            counter = cls.objects.select_for_update().get(prefix=prefix, year=year)
            counter.last = models.F("last") + 1
            counter.save(update_fields=["last"])
            counter.refresh_from_db(fields=["last"])
        return f"{prefix}-{year}-{counter.last:04d}"


class WorkflowQuerySet(models.QuerySet):
    def open(self) -> WorkflowQuerySet:
        return self.exclude(state__in=self.model.final_states)

    def overdue(self, now: dt.datetime | None = None) -> WorkflowQuerySet:
        return self.open().filter(step_due_at__lt=now or timezone.now())


class ProcessLabel:
    """A record type's name in the menu, its list's and record's titles, the
    inbox and messages: its ``Meta.verbose_name_plural``, capitalised. The
    record type is named once, in ``Meta`` (``verbose_name`` for one record:
    the create button, the creation page, the printout; the plural for the
    list), so the pages, the admin and the menu agree in every language."""

    def __get__(self, instance: Any, owner: type[models.Model]) -> str | Promise:
        return capfirst(owner._meta.verbose_name_plural)


class WorkflowModel(ConcurrentTransitionMixin, models.Model):
    """Base of every process record.

    A subclass declares ``state = FSMField(choices=..., default=..., protected=True)``,
    its transitions with ``@transition(field=state, ..., custom=step(...))``,
    ``reference_prefix``, ``final_states`` and, for steps several departments
    sign, ``sign_off_steps``. Its ``Meta`` must inherit ``WorkflowModel.Meta``.
    Its pages (list, record, creation, print, admin) are generated from the
    declarations below; docs/engine.md says how.
    """

    reference_prefix: ClassVar[str] = "WF"
    final_states: ClassVar[frozenset[str]] = frozenset()
    sign_off_steps: ClassVar[dict[str, SignOffStep]] = {}
    # The user responsible for the record: told of its steps as they chose.
    owner_field: ClassVar[str] = "created_by"
    # The deadline of the first step, given when the record is opened.
    initial_due: ClassVar[DueRule | None] = None
    # A date or datetime field that ends the whole process (a developer's pitch
    # deadline): no step's deadline runs past it.
    final_deadline_field: ClassVar[str | None] = None
    # Reminders (workflows/reminders.py): how long before a step is due, and
    # how often while it stays overdue.
    subject_related: ClassVar[tuple[str, ...]] = ()  # what ``subject`` reads, fetched with it
    remind_before: ClassVar[dt.timedelta] = dt.timedelta(days=1)
    remind_every: ClassVar[dt.timedelta] = dt.timedelta(days=1)
    process_label = ProcessLabel()  # from Meta.verbose_name_plural, never declared
    # Roles granted the right to open a record (``add_<model>``) on migrate.
    creator_roles: ClassVar[tuple[str, ...]] = ()
    # Of those, the roles that may open a record in someone else's name (the
    # sales assistant for any salesperson); the others open records for
    # themselves only.
    on_behalf_roles: ClassVar[tuple[str, ...]] = ()
    # Who reads which records (``workflows.declarations.ReadScope``), applied
    # by ``workflows.rights.readable`` to every page, export and the admin.
    read_scope: ClassVar[ReadScope] = DEFAULT_READ_SCOPE
    # The roles that manage the process: they read every record and attach
    # files to any open one.
    manager_roles: ClassVar[tuple[str, ...]] = ()
    # How the timeline names an audit entry that opens a record rather than
    # moves it (``record_start(name=...)``), besides the engine's "create".
    start_labels: ClassVar[dict[str, str | Promise]] = {}

    # The roles whose dated signature lines a printout carries, in order; None:
    # the creator roles, the roles of the steps expected of someone, then the
    # sign-off departments (``workflows.selectors.signature_roles``).
    print_signatures: ClassVar[tuple[str, ...] | None] = None

    # Pages. The owner picker (creation form, list filter) offers this role's members.
    owner_role: ClassVar[str | None] = None
    # The form that opens a record: ``form_fields([...], not_in_past=[...])``, a
    # ModelForm class or its dotted path; None: records are not opened on a page.
    create_form: ClassVar[FormFields | type[forms.ModelForm] | str | None] = None
    # Widgets of fields in every form the engine builds for the model (a radio
    # choice, a taller text area); dates and text areas have the engine's own.
    form_widgets: ClassVar[dict[str, Any]] = {}
    # The list: what its search box matches (``icontains``), its columns after
    # the reference, its filters besides state, owner, overdue and mine (model
    # fields, or filters of ``list_filterset``), and what it fetches with each row.
    search_fields: ClassVar[tuple[str, ...]] = ("reference",)
    list_columns: ClassVar[tuple[str, ...]] = ()
    list_filters: ClassVar[tuple[str, ...]] = ()
    list_related: ClassVar[tuple[str, ...]] = ()
    # A django-filter FilterSet (or its dotted path) with the process's own
    # filters (a deadline window); the engine's filters are added to it.
    list_filterset: ClassVar[type | str | None] = None
    # What the record and print pages fetch with the record (created_by always).
    record_related: ClassVar[tuple[str, ...]] = ()
    # Where the pages sit in the app's URLs: "" for the first model given to
    # ``process_urls``, "<model_name>s/" for the others, unless declared.
    url_prefix: ClassVar[str | None] = None

    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Incremented by every transition: identifies the current visit of a
    # step (sign-offs, reminders) and lets a stale page be recognised.
    step_seq = models.PositiveIntegerField(_("step number"), default=0, editable=False)
    step_started_at = models.DateTimeField(
        _("step started at"), default=timezone.now, editable=False
    )
    step_due_at = models.DateTimeField(_("step due at"), null=True, blank=True, editable=False)

    attachments = GenericRelation("workflows.Attachment")
    sign_offs = GenericRelation("workflows.SignOff")

    objects = WorkflowQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]
        # Each process model also gets the inbox's (owner, state, step_due_at) and
        # (owner, step_due_at, created_at) on its ``owner_field`` (``add_owner_indexes``).
        indexes = [
            models.Index(fields=["state", "step_due_at"], name="%(class)s_state_due"),
            # The list's and the admin changelist's order (they add the pk).
            models.Index(fields=["-created_at", "-id"], name="%(class)s_newest"),
        ]

    def __str__(self) -> str:
        return self.reference or str(_("new %(name)s") % {"name": self._meta.verbose_name})

    def save(self, *args, **kwargs) -> None:
        if not self.reference:
            year = timezone.localdate().year
            self.reference = ReferenceCounter.next_reference(self.reference_prefix, year)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(
            f"{self._meta.app_label}:{self._meta.model_name}_detail", kwargs={"pk": self.pk}
        )

    # Declarations, read back from the model.

    @classmethod
    def state_field(cls) -> FSMField:
        return cls._meta.get_field("state")

    @classmethod
    def workflow_transitions(cls) -> list[Transition]:
        """Every declared transition, one per (method, source), in the order of
        the model's source (django-fsm lists them alphabetically)."""
        cached = cls.__dict__.get("_workflow_transitions")
        if cached is None:
            # Declarations don't change once the class exists: sort them once.
            cached = sorted(
                cls.state_field().get_all_transitions(cls),
                key=lambda t: t.method.__code__.co_firstlineno,
            )
            cls._workflow_transitions = cached
        return list(cached)

    @classmethod
    def _transitions_from(cls, state: str) -> tuple[list[Transition], list[Transition]]:
        """The declared transitions leaving ``state``, and those of them somebody
        is expected to take: worked out once per class and state (the deadline
        scan asks for thousands of records)."""
        by_state = cls.__dict__.get("_workflow_transitions_by_state")
        if by_state is None:
            by_state = cls._workflow_transitions_by_state = {}
        found = by_state.get(state)
        if found is None:
            leaving = [t for t in cls.workflow_transitions() if t.source in (state, "*")]
            found = by_state[state] = (leaving, [t for t in leaving if step_of(t).inbox])
        return found

    def current_transitions(self) -> list[Transition]:
        """The declared transitions that leave the record's current state."""
        return list(self._transitions_from(self.state)[0])

    def expected_transitions(self) -> list[Transition]:
        """Those of them somebody is expected to take (not cancelling)."""
        return list(self._transitions_from(self.state)[1])

    @classmethod
    def process_name(cls) -> str | Promise:
        """The process as menus and sections name it."""
        return cls.process_label

    @classmethod
    def state_label(cls, state: str | None) -> str | Promise:
        return dict(cls.state_field().flatchoices).get(state, state or "")

    @classmethod
    def start_label(cls, name: str) -> str | Promise:
        """The timeline's name for an audit entry that opened the record."""
        labels = {"create": _("Created"), **cls.start_labels}
        return labels.get(name, name)

    @classmethod
    def transition_named(cls, name: str) -> list[Transition]:
        return [t for t in cls.workflow_transitions() if t.name == name]

    @classmethod
    def step_of(cls, name: str) -> Step:
        found = cls.transition_named(name)
        if not found:
            raise LookupError(name)
        return step_of(found[0])

    @property
    def subject(self) -> str:
        """What the record is about, in a line (inbox, notifications)."""
        return ""

    def page_context(self, user: AbstractBaseUser) -> dict[str, Any]:
        """What the record page shows besides the record (other rounds, reports)."""
        return {}

    @property
    def is_final(self) -> bool:
        return self.state in self.final_states

    @property
    def final_deadline(self) -> dt.datetime | None:
        if not self.final_deadline_field:
            return None
        return compute_due(self.final_deadline_field, self)

    @property
    def is_overdue(self) -> bool:
        return bool(self.step_due_at and not self.is_final and self.step_due_at < timezone.now())

    @property
    def owner(self):
        return getattr(self, self.owner_field)

    @property
    def owner_id(self) -> int | None:
        return getattr(self, f"{self.owner_field}_id")

    def current_sign_off_step(self) -> SignOffStep | None:
        """The sign-off of the current state, with the departments asked on
        this record as its roles (``SignOffStep.asked_field``)."""
        spec = self.sign_off_steps.get(self.state)
        return spec.for_record(self) if spec is not None else None


def owner_indexes(model: type[WorkflowModel]) -> list[models.Index]:
    """The inbox's indexes on the model's ``owner_field``: its filter (the owner's
    records in a state) and its order (the owner's records by deadline, which
    lets the database stop at the first page instead of sorting every match)."""
    owner, name = model.owner_field, model._meta.model_name
    return [
        models.Index(fields=[owner, "state", "step_due_at"], name=f"{name[:20]}_owner_due"),
        models.Index(fields=[owner, "step_due_at", "created_at"], name=f"{name[:19]}_owner_next"),
    ]


@receiver(class_prepared, dispatch_uid="workflows.add_owner_indexes")
def add_owner_indexes(sender: type[models.Model], **kwargs: Any) -> None:
    """Give every concrete process model the indexes of its ``owner_field``: the
    owner is named per model, so ``WorkflowModel.Meta`` cannot list them.
    Migrations read them like declared indexes; a model that declares one on the
    same fields keeps its own."""
    if not issubclass(sender, WorkflowModel):
        return
    opts = sender._meta
    if opts.abstract or opts.proxy or not sender.owner_field:
        return
    try:
        opts.get_field(sender.owner_field)
    except FieldDoesNotExist:
        return  # workflows.checks reports it
    declared = [list(i.fields) for i in opts.indexes]
    missing = [i for i in owner_indexes(sender) if list(i.fields) not in declared]
    if missing:
        opts.indexes = [*opts.indexes, *missing]


class SignOff(models.Model):
    """One department's decision on a step that several departments must sign."""

    class Decision(models.TextChoices):
        AGREE = "agree", _("Agree")
        # Agreement on terms the department states in its comment (shown to all).
        CONDITIONAL = "conditional", _("Agree with conditions")
        REFUSE = "refuse", _("Refuse")

    # The decisions that count as agreeing (``workflows.conditions.all_signed``).
    AGREEING = (Decision.AGREE, Decision.CONDITIONAL)

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    state = models.CharField(_("step"), max_length=40)
    step_seq = models.PositiveIntegerField()
    role = models.CharField(_("department"), max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed by"), on_delete=models.PROTECT
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)

    class Meta:
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        ordering = ["signed_at", "pk"]
        constraints = [
            # One decision per department per visit of the step.
            models.UniqueConstraint(
                fields=["content_type", "object_id", "step_seq", "role"],
                name="unique_signoff_per_step_visit",
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id", "step_seq"])]

    def __str__(self) -> str:
        return f"{self.role}: {self.decision}"


# One component of a path on the filesystem, in bytes (NAME_MAX on ext4, XFS, tmpfs).
NAME_MAX_BYTES = 255
# What the storage adds to a name already taken: "_" and seven random characters.
STORAGE_SUFFIX = 8


def attachment_path(instance: Attachment, filename: str) -> str:
    """Where an upload is stored. The name is shortened to fit the filesystem and
    the field, the storage's suffix included; ``original_name`` keeps the full one."""
    now = timezone.now()
    folder = f"attachments/{instance.content_type.app_label}/{now:%Y/%m}/"
    max_chars = Attachment._meta.get_field("file").max_length - len(folder) - STORAGE_SUFFIX
    name = fit_file_name(filename, max_bytes=NAME_MAX_BYTES - STORAGE_SUFFIX, max_chars=max_chars)
    return folder + name


class Attachment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    mime_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    state = models.CharField(_("step"), max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("workflows:attachment", kwargs={"pk": self.pk})


class DefaultGrant(models.Model):
    """A permission the declarations granted to a role once.

    Remembering it means an administrator who later takes the right away in
    the admin is not overruled at the next migrate.
    """

    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE)
    permission = models.ForeignKey("auth.Permission", on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "permission"], name="unique_default_grant")
        ]

    def __str__(self) -> str:
        return f"{self.group} ← {self.permission}"


class CalendarDay(models.Model):
    """A day that is not what its weekday says: a public holiday on a weekday,
    or a weekend day worked in exchange (调休)."""

    date = models.DateField(_("date"), unique=True, validators=FUTURE_DATE)
    working = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_("Ticked for a weekend day that is worked; unticked for a holiday."),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("working calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()
