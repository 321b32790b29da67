"""Two test processes that between them use every declaration the engine offers.

``Job``: a requester's job, planned, made (part of it possibly outsourced),
checked and delivered; the requester accepts or rejects it, and a rejected
job, once QA and the workshop have signed for the rejection, is redone as a
new job (an effect). Owner-only steps, a step kept out of the inbox
(cancelling), a comment-required step, attachments, notified roles, and
deadlines from working days, a date field, a time span and a function.

``Review``: a document the creative department summarises, strategy and
finance consult on (either may refuse it, which sends it back) and the
marketing manager decides, never on a review of their own. The whole review
ends at its deadline (every step's deadline is capped by it); deadlines on a
day of the month and in working days, a hidden comment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from workflows.calendar import DayOfMonth, WorkingDays
from workflows.conditions import all_signed
from workflows.declarations import NotBy, OwnerOnly, SignOffStep, step
from workflows.models import WorkflowModel

TEXT = 4000


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

    reference_prefix = "JB"
    process_label = _("Test jobs")
    final_states = frozenset({State.ACCEPTED, State.REDONE, State.CANCELLED})
    owner_field = "requester"
    creator_roles = ("sales",)
    initial_due = WorkingDays(1)
    start_labels = {"redo": _("Opened to redo a rejected job")}
    subject_related = ("requester",)
    sign_off_steps = {
        State.REJECTED: SignOffStep(
            roles=("qa", "sample_room"),
            label=_("Rejection received by QA and the workshop"),
            decisions=(("agree", _("Received")),),
        )
    }

    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.NEW, protected=True
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    details = models.TextField(_("details"), blank=True, max_length=TEXT)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    plan = models.TextField(_("plan"), blank=True, max_length=TEXT)
    planner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )
    return_date = models.DateField(_("back from the supplier on"), null=True, blank=True)
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
        return f"{self.title} · {self.requester.get_full_name() or self.requester}"

    @transition(
        field=state,
        source=State.NEW,
        target=State.PLANNED,
        custom=step(
            label=_("Schedule"),
            roles=["sales_assistant"],
            form="tests.testflows.forms.PlanForm",
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
            form="tests.testflows.forms.OutsourceForm",
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
        target=State.ACCEPTED,
        custom=step(
            label=_("Accept"),
            roles=["sales"],
            form="tests.testflows.forms.FeedbackForm",
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
            form="tests.testflows.forms.RejectionForm",
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


class Review(WorkflowModel):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONSULTING = "consulting", _("Consulting")
        DECIDING = "deciding", _("To decide")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    reference_prefix = "RV"
    process_label = _("Test reviews")
    final_states = frozenset({State.APPROVED, State.DECLINED, State.WITHDRAWN})
    creator_roles = ("bd",)
    initial_due = dt.timedelta(days=2)
    final_deadline_field = "deadline"
    sign_off_steps = {
        State.CONSULTING: SignOffStep(
            roles=("strategy", "finance"),
            label=_("Opinions of strategy and finance"),
            on_refuse="send_back",
        )
    }

    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.DRAFT, protected=True
    )
    title = models.CharField(_("title"), max_length=200)
    deadline = models.DateField(_("deadline"))
    summary = models.TextField(_("summary"), blank=True, max_length=TEXT)
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
            form="tests.testflows.forms.SummaryForm",
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
