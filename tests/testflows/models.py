"""Two test processes that between them use every declaration the engine offers.

``Job``: a requester's job for a customer, planned, made (part of it
possibly outsourced), checked and delivered; the requester follows it up,
accepts or rejects it, and a rejected job, once QA and the workshop have
signed for the rejection, is redone as a new job (an effect). Owner-only
steps, a repeatable step (the follow-up), a step kept out of the inbox
(cancelling), a comment-required step, attachments, notified roles, and
deadlines from working days, a date field, a time span and a function. Its
pages come from its declarations alone (creation form, step fields, list
columns and filters, search, widgets), with templates of its own.

``Review``: a document the creative department summarises, strategy and
finance consult on (either may refuse it, which sends it back) and the
marketing manager decides, never on a review of their own. The whole review
ends at its deadline (every step's deadline is capped by it); deadlines on a
day of the month and in working days, a hidden comment; a step's fields built
on a form with validation of its own, list filters of its own, and only the
engine's templates.

Their read scopes: a job is read by its requester, by the roles named, by
whoever its current step waits on and by a manager it was escalated to; a
review keeps the engine's default (everyone with a role in the process, and a
manager it was escalated to) and has no managers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from workflows.calendar import DayOfMonth, WorkingDays
from workflows.conditions import all_signed
from workflows.declarations import (
    CurrentStep,
    Escalated,
    NotBy,
    Owner,
    OwnerOnly,
    Roles,
    SignOffStep,
    form_fields,
    step,
)
from workflows.models import AdminHistory, DocumentRevision, WorkflowModel
from workflows.revisions import RevisionBase, RevisionLines, revision_unique
from workflows.validators import FUTURE_DATE, PAST_DATE

TEXT = 4000
MAX_QUANTITY = 10_000


def a_week_on(record: WorkflowModel) -> dt.datetime:
    """A deadline a function gives: a week from now."""
    return timezone.now() + dt.timedelta(days=7)


class Job(WorkflowModel):
    class State(models.TextChoices):
        NEW = "new", _("New")
        PLANNED = "planned", _("Planned")
        WORKING = "working", _("Being made")
        OUTSOURCED = "outsourced", _("Outsourced")
        CHECKING = "checking", _("Being checked")
        DELIVERED = "delivered", _("Delivered")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        REDONE = "redone", _("Redone")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        STANDARD = "standard", _("Standard job")
        RUSH = "rush", _("Rush job")

    reference_prefix = "JB"
    final_states = frozenset({State.ACCEPTED, State.REDONE, State.CANCELLED})
    owner_field = "requester"
    owner_role = "sales"
    creator_roles = ("sales", "sales_assistant")
    on_behalf_roles = ("sales_assistant",)
    # The requester reads their own jobs, the sales assistants, QA and the
    # workshop all of them, PMC those whose current step is theirs, a manager
    # those escalated to them; the marketing manager manages the process.
    read_scope = (
        Owner() | Roles("sales_assistant", "qa", "sample_room") | CurrentStep() | Escalated()
    )
    manager_roles = ("marketing_manager",)
    initial_due = WorkingDays(1)
    start_labels = {"redo": _("Opened to redo a rejected job")}
    subject_related = ("customer",)
    create_form = form_fields(
        ["kind", "customer", "requester", "title", "quantity", "details", "due_date"],
        not_in_past=["due_date"],
        labels={"due_date": _("requested due date")},
        limit_choices_to={"customer": {"active": True}},
    )
    form_widgets = {"details": forms.Textarea(attrs={"rows": 2})}
    search_fields = ("reference", "title", "customer__name")
    list_columns = ("kind", "customer", "title", "quantity", "requester")
    list_filters = ("kind", "customer")
    list_related = ("customer", "requester")
    record_related = ("customer", "requester", "planner", "checked_by")
    url_prefix = "jobs/"
    # What a revision of a job holds (workflows.revisions).
    revision_fields = ("kind", "customer", "title", "quantity", "due_date", "requester")
    revision_lines = RevisionLines(
        "parts", key="position", fields=("name", "quantity", "unit_price")
    )
    revision_model = "testflows.JobRevision"
    sign_off_steps = {
        State.REJECTED: SignOffStep(
            roles=("qa", "sample_room"),
            label=_("Rejection received by QA and the workshop"),
            decisions=(("agree", _("Received")),),
        )
    }

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.NEW, protected=True
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(
        _("job type"), max_length=10, choices=Kind.choices, default=Kind.STANDARD
    )
    customer = models.ForeignKey(
        "orders.Customer", verbose_name=_("customer"), on_delete=models.PROTECT
    )
    title = models.CharField(_("title"), max_length=200)
    quantity = models.PositiveIntegerField(
        _("quantity"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)],
    )
    details = models.TextField(_("details"), blank=True, max_length=TEXT)
    due_date = models.DateField(_("due date"), null=True, blank=True, validators=FUTURE_DATE)
    plan = models.TextField(_("plan"), blank=True, max_length=TEXT)
    planner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )
    return_date = models.DateField(
        _("back from the supplier on"), null=True, blank=True, validators=FUTURE_DATE
    )
    started_at = models.DateTimeField(_("started at"), null=True, editable=False)
    rework_count = models.PositiveIntegerField(_("times reworked"), default=0, editable=False)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )
    feedback = models.TextField(_("feedback"), blank=True, max_length=TEXT)
    received_on = models.DateField(_("received on"), null=True, blank=True, validators=PAST_DATE)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("redoes"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="redone_by",
    )

    class Meta(WorkflowModel.Meta):
        verbose_name = _("test job")
        verbose_name_plural = _("test jobs")

    @property
    def subject(self) -> str:
        # Reads a relation, fetched with the record wherever records are listed.
        return f"{self.title} · {self.customer.name}"

    @transition(
        field=state,
        source=State.NEW,
        target=State.PLANNED,
        custom=step(
            label=_("Schedule"),
            roles=["sales_assistant"],
            fields=["quantity", "due_date", "plan"],
            required=["due_date", "plan"],
            not_in_past=["due_date"],
            due=WorkingDays(1),
        ),
    )
    def schedule(self, *, by: Any, data: dict[str, Any]) -> None:
        self.planner = by

    @transition(
        field=state,
        source=State.PLANNED,
        target=State.WORKING,
        custom=step(label=_("Start"), roles=["sample_room"], due="due_date"),
    )
    def start(self, *, by: Any, data: dict[str, Any]) -> None:
        self.started_at = self.started_at or timezone.now()

    @transition(
        field=state,
        source=State.WORKING,
        target=State.OUTSOURCED,
        custom=step(
            label=_("Outsource"),
            roles=["pmc"],
            fields=["return_date"],
            required=["return_date"],
            not_in_past=["return_date"],
            due="return_date",
            notify=["sample_room"],
            style="secondary",
        ),
    )
    def outsource(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.OUTSOURCED,
        target=State.WORKING,
        custom=step(label=_("Take back"), roles=["pmc"], due="due_date", notify=["sample_room"]),
    )
    def take_back(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.WORKING,
        target=State.CHECKING,
        custom=step(
            label=_("Submit for checking"), roles=["sample_room"], due=dt.timedelta(days=1)
        ),
    )
    def submit(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.CHECKING,
        target=State.DELIVERED,
        custom=step(
            label=_("Pass and deliver"),
            roles=["qa"],
            due=a_week_on,
            attachments=True,
            style="success",
        ),
    )
    def pass_check(self, *, by: Any, data: dict[str, Any]) -> None:
        self.checked_by = by

    @transition(
        field=state,
        source=State.CHECKING,
        target=State.WORKING,
        custom=step(
            label=_("Fail (rework)"),
            roles=["qa"],
            due="due_date",
            comment="required",
            attachments=True,
            style="danger",
        ),
    )
    def fail_check(self, *, by: Any, data: dict[str, Any]) -> None:
        self.checked_by = by
        self.rework_count += 1

    @transition(
        field=state,
        source=State.DELIVERED,
        target=State.DELIVERED,
        custom=step(
            label=_("Record a follow-up"),
            roles=["sales"],
            rule=OwnerOnly("requester"),
            comment="required",
            due=a_week_on,
            style="outline-secondary",
        ),
    )
    def follow_up(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.DELIVERED,
        target=State.ACCEPTED,
        custom=step(
            label=_("Accept"),
            roles=["sales"],
            fields=["feedback", "received_on"],
            rule=OwnerOnly("requester"),
            attachments=True,
            notify=["qa", "sample_room"],
            style="success",
        ),
    )
    def accept(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.DELIVERED,
        target=State.REJECTED,
        custom=step(
            label=_("Reject"),
            roles=["sales"],
            fields=["feedback"],
            required=["feedback"],
            rule=OwnerOnly("requester"),
            due=WorkingDays(2),
            style="danger",
        ),
    )
    def reject(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REJECTED,
        target=State.REDONE,
        conditions=[all_signed],
        custom=step(
            label=_("Redo as a new job"),
            roles=["sales"],
            form="tests.testflows.forms.RedoForm",
            rule=OwnerOnly("requester"),
            effect="tests.testflows.services.job_redo",
        ),
    )
    def redo(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[State.NEW, State.PLANNED, State.WORKING],
        target=State.CANCELLED,
        custom=step(
            label=_("Cancel the job"),
            roles=["sales"],
            rule=OwnerOnly("requester"),
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def cancel(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


class JobNote(DocumentRevision):
    """A job's note kept in revisions (the engine's ``DocumentRevision``), frozen on submit."""

    record_field = "job"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField("text", blank=True, max_length=1000)

    class Meta:
        ordering = ["job", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["job", "revision"], name="unique_job_note_revision")
        ]


class Review(WorkflowModel):
    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONSULTING = "consulting", _("Consulting")
        DECIDING = "deciding", _("To decide")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    reference_prefix = "RV"
    list_columns = ("title", "deadline", "decided_by")
    list_related = ("decided_by",)
    final_states = frozenset({State.APPROVED, State.DECLINED, State.WITHDRAWN})
    creator_roles = ("bd",)
    initial_due = dt.timedelta(days=2)
    final_deadline_field = "deadline"
    owner_role = "bd"
    create_form = form_fields(["title", "deadline"], not_in_past=["deadline"])
    form_widgets = {
        "priority": forms.RadioSelect,
        "summary": forms.Textarea(attrs={"rows": 4}),
    }
    search_fields = ("reference", "title")
    list_columns = ("title", "deadline")
    list_filterset = "tests.testflows.filters.ReviewFilter"
    url_prefix = "reviews/"
    sign_off_steps = {
        State.CONSULTING: SignOffStep(
            roles=("strategy", "finance"),
            label=_("Opinions of strategy and finance"),
            on_refuse="send_back",
            asked_field="consulted",
            decisions=(
                ("agree", _("Agree")),
                ("conditional", _("Agree with conditions")),
                ("refuse", _("Refuse")),
            ),
        )
    }

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.DRAFT, protected=True
    )
    title = models.CharField(_("title"), max_length=200)
    deadline = models.DateField(_("deadline"), validators=FUTURE_DATE)
    summary = models.TextField(_("summary"), blank=True, max_length=TEXT)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    opinions_due = models.DateField(
        _("opinions due"), null=True, blank=True, validators=FUTURE_DATE
    )
    # The departments consulted on this review (blank: both).
    consulted = models.CharField(_("consulted"), max_length=60, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )

    class Meta(WorkflowModel.Meta):
        verbose_name = _("test review")
        verbose_name_plural = _("test reviews")

    @property
    def subject(self) -> str:
        return self.title

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.CONSULTING,
        custom=step(
            label=_("Summarise and consult"),
            roles=["creative"],
            form="tests.testflows.forms.ConsultForm",
            fields=["summary", "priority", "opinions_due"],
            required=["summary"],
            due=DayOfMonth(26),
            attachments=True,
        ),
    )
    def consult(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.CONSULTING,
        target=State.DRAFT,
        custom=step(
            label=_("Send back"),
            roles=["marketing_manager"],
            comment="required",
            due=dt.timedelta(days=1),
            style="danger",
        ),
    )
    def send_back(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.CONSULTING,
        target=State.DECIDING,
        conditions=[all_signed],
        custom=step(
            label=_("Forward for a decision"),
            roles=["creative"],
            comment="hidden",
            due=WorkingDays(2),
        ),
    )
    def forward(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.DECIDING,
        target=State.APPROVED,
        custom=step(
            label=_("Approve"),
            roles=["marketing_manager"],
            rule=NotBy("created_by"),
            style="success",
        ),
    )
    def approve(self, *, by: Any, data: dict[str, Any]) -> None:
        self.decided_by = by

    @transition(
        field=state,
        source=State.DECIDING,
        target=State.DECLINED,
        custom=step(
            label=_("Decline"),
            roles=["marketing_manager"],
            rule=NotBy("created_by"),
            comment="required",
            style="danger",
        ),
    )
    def decline(self, *, by: Any, data: dict[str, Any]) -> None:
        self.decided_by = by

    @transition(
        field=state,
        source=[State.DRAFT, State.CONSULTING, State.DECIDING],
        target=State.WITHDRAWN,
        custom=step(
            label=_("Withdraw"),
            roles=["bd"],
            rule=OwnerOnly("created_by"),
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def withdraw(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


class JobPart(models.Model):
    """A line of a job: what a revision compares line by line."""

    job = models.ForeignKey(
        Job, verbose_name=_("job"), on_delete=models.CASCADE, related_name="parts"
    )
    position = models.PositiveSmallIntegerField(_("line"), editable=False)
    name = models.CharField(_("part"), max_length=100)
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)]
    )
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(10**9)],
    )

    class Meta:
        ordering = ("job", "position")
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        constraints = [
            models.UniqueConstraint(fields=("job", "position"), name="testflows_part_position")
        ]

    def __str__(self) -> str:
        return self.name


class PartDelivery(models.Model):
    """A delivery of a job's part: rows a part holds of its own, which a
    revision keeps with the part when declared ``nested``."""

    part = models.ForeignKey(
        JobPart, verbose_name=_("part"), on_delete=models.CASCADE, related_name="deliveries"
    )
    due_on = models.DateField(_("due on"), validators=FUTURE_DATE)
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)]
    )

    class Meta:
        ordering = ("part", "due_on", "pk")
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.due_on} × {self.quantity}"


class JobRevision(RevisionBase):
    """A job's frozen revisions."""

    record = models.ForeignKey(
        Job, verbose_name=_("job"), on_delete=models.CASCADE, related_name="revisions"
    )

    class Meta(RevisionBase.Meta):
        verbose_name = _("job revision")
        verbose_name_plural = _("job revisions")
        constraints = [revision_unique("testflows_jobrevision")]
