"""P3 sample production (样品制作) and PS / PPS boards (PS 板 / PPS 板)."""

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

from workflows.calendar import WorkingDays
from workflows.conditions import all_signed
from workflows.declarations import (
    CurrentStep,
    Escalated,
    Owner,
    OwnerOnly,
    Roles,
    SignOffStep,
    form_fields,
    step,
)
from workflows.models import AdminHistory, WorkflowModel
from workflows.roles import MANAGER_ROLES
from workflows.validators import FUTURE_DATE, PAST_DATE

# Who reads samples and boards: the salesperson their own; the departments
# that make, check, store and send samples, the sales assistants who issue
# the work orders, and the managers, all of them (README, "Security").
SAMPLE_READERS = (
    Owner()
    | Roles("sales_assistant", "sample_room", "pmc", "qa", "warehouse", *MANAGER_ROLES)
    | CurrentStep()
    | Escalated()
)

# Pieces of a sample: at least one; more than this is an order, not a sample.
MAX_SAMPLE_QUANTITY = 10_000


def feedback_chase(record: WorkflowModel) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=settings.SAMPLE_FEEDBACK_CHASE_DAYS)


class SampleOrder(WorkflowModel):
    """One round of a customer's sample. A rejected round starts the next round."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ORDERED = "ordered", _("Work order issued")
        IN_PRODUCTION = "in_production", _("In production")
        OUTSOURCED = "outsourced", _("Outsourced")
        QA_INSPECTION = "qa_inspection", _("QA inspection")
        PASSED = "passed", _("Passed, to warehouse")
        STORED = "stored", _("Stored")
        DISPATCHED = "dispatched", _("Dispatched")
        AWAITING_FEEDBACK = "awaiting_feedback", _("Awaiting customer feedback")
        APPROVED = "approved", _("Approved by customer")
        REJECTED = "rejected", _("Rejected by customer")
        REORDERED = "reordered", _("Re-ordered")
        CANCELLED = "cancelled", _("Cancelled")

    class DispatchMethod(models.TextChoices):
        DELIVERY_NOTE = "delivery_note", _("Warehouse delivery with delivery note")
        COURIER = "courier", _("Courier")

    reference_prefix = "SP"
    subject_related = ("customer",)
    final_states = frozenset({State.APPROVED, State.REORDERED, State.CANCELLED})
    owner_field = "salesperson"
    creator_roles = ("sales", "sales_assistant")
    on_behalf_roles = ("sales_assistant",)  # for any salesperson
    read_scope = SAMPLE_READERS
    manager_roles = ("marketing_manager",)
    start_labels = {"new_round": _("Created as a new round")}
    initial_due = WorkingDays(1)  # the order clerk issues the work order within a day
    owner_role = "sales"
    create_form = form_fields(
        [
            "customer",
            "salesperson",
            "product_name",
            "product_code",
            "quantity",
            "requirements",
            "materials",
            "due_date",
        ],
        not_in_past=["due_date"],
        labels={"due_date": _("requested due date")},
        limit_choices_to={"customer": {"active": True}},
    )
    form_widgets = {"materials": forms.Textarea(attrs={"rows": 2})}
    search_fields = ("reference", "product_name", "product_code", "customer__name", "tracking_no")
    list_columns = ("customer", "product_name", "round", "salesperson", "due_date")
    list_filters = ("customer",)
    list_related = ("customer", "salesperson")
    record_related = ("customer", "salesperson", "order_clerk", "inspected_by", "previous_round")
    sign_off_steps = {
        State.REJECTED: SignOffStep(
            roles=("qa", "sample_room"),
            label=_("Customer feedback received by QA and the sample room"),
            decisions=(("agree", _("Feedback received")),),
        )
    }

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.REQUESTED, protected=True
    )
    customer = models.ForeignKey(
        "orders.Customer", verbose_name=_("customer"), on_delete=models.PROTECT
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    product_name = models.CharField(_("product name"), max_length=200)
    product_code = models.CharField(_("style / model number"), max_length=60, blank=True)
    quantity = models.PositiveIntegerField(
        _("quantity"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SAMPLE_QUANTITY)],
    )
    requirements = models.TextField(_("customer requirements"), max_length=4000)
    materials = models.TextField(
        _("materials supplied by the customer"), blank=True, max_length=4000
    )
    round = models.PositiveIntegerField(_("round"), default=1, editable=False)
    previous_round = models.OneToOneField(
        "self",
        verbose_name=_("previous round"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="next_round",
    )
    # Work order (样品生产工单)
    due_date = models.DateField(
        _("production due date"), null=True, blank=True, validators=FUTURE_DATE
    )
    production_plan = models.TextField(_("sample production plan"), blank=True, max_length=4000)
    order_clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("order clerk"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    work_order_issued_at = models.DateTimeField(
        _("work order issued at"), null=True, editable=False
    )
    # Production and outsourcing (外协)
    production_started_at = models.DateTimeField(
        _("production started at"), null=True, editable=False
    )
    outsource_vendor = models.CharField(_("outsourcing supplier"), max_length=200, blank=True)
    outsource_process = models.CharField(_("outsourced process"), max_length=200, blank=True)
    outsource_return_date = models.DateField(
        _("expected back from supplier"), null=True, blank=True, validators=FUTURE_DATE
    )
    rework_count = models.PositiveIntegerField(_("times reworked"), default=0, editable=False)
    # Inspection and warehouse
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspected by"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )
    inspected_at = models.DateTimeField(_("inspected at"), null=True, editable=False)
    stored_at = models.DateTimeField(_("stored at"), null=True, editable=False)
    # Dispatch (送货单 or courier)
    dispatch_method = models.CharField(
        _("dispatch method"), max_length=20, choices=DispatchMethod.choices, blank=True
    )
    delivery_note_no = models.CharField(_("delivery note number"), max_length=60, blank=True)
    courier = models.CharField(_("courier company"), max_length=60, blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=60, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, editable=False)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, editable=False)
    # Customer verdict (客户反馈意见)
    customer_feedback = models.TextField(_("customer feedback"), blank=True, max_length=4000)
    feedback_at = models.DateTimeField(_("feedback recorded at"), null=True, editable=False)

    class Meta(WorkflowModel.Meta):
        verbose_name = _("sample order")
        verbose_name_plural = _("sample orders")

    # Transitions. They only set fields on self; the engine saves and audits.

    @transition(
        field=state,
        source=State.REQUESTED,
        target=State.ORDERED,
        custom=step(
            label=_("Issue work order"),
            roles=["sales_assistant"],
            fields=["quantity", "due_date", "production_plan"],
            required=["due_date", "production_plan"],
            not_in_past=["due_date"],
            due=WorkingDays(1),
            help_text=_("Issue the sample work order and production plan with a due date."),
        ),
    )
    def issue_work_order(self, *, by: Any, data: dict[str, Any]) -> None:
        self.order_clerk = by
        self.work_order_issued_at = timezone.now()

    @transition(
        field=state,
        source=State.ORDERED,
        target=State.IN_PRODUCTION,
        custom=step(label=_("Start production"), roles=["sample_room"], due="due_date"),
    )
    def start_production(self, *, by: Any, data: dict[str, Any]) -> None:
        self.production_started_at = self.production_started_at or timezone.now()

    @transition(
        field=state,
        source=State.IN_PRODUCTION,
        target=State.OUTSOURCED,
        custom=step(
            label=_("Outsource a process"),
            roles=["pmc"],
            fields=["outsource_vendor", "outsource_process", "outsource_return_date"],
            required=["outsource_vendor", "outsource_process", "outsource_return_date"],
            not_in_past=["outsource_return_date"],
            due="outsource_return_date",
            notify=["sample_room"],
            style="secondary",
        ),
    )
    def outsource(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.OUTSOURCED,
        target=State.IN_PRODUCTION,
        custom=step(
            label=_("Back from supplier"),
            roles=["pmc"],
            due="due_date",
            notify=["sample_room"],
        ),
    )
    def receive_outsourced(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.IN_PRODUCTION,
        target=State.QA_INSPECTION,
        custom=step(label=_("Submit for QA inspection"), roles=["sample_room"], due=WorkingDays(1)),
    )
    def submit_inspection(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.QA_INSPECTION,
        target=State.PASSED,
        custom=step(
            label=_("Pass inspection"),
            roles=["qa"],
            due=WorkingDays(1),
            attachments=True,
            style="success",
        ),
    )
    def pass_inspection(self, *, by: Any, data: dict[str, Any]) -> None:
        self.inspected_by = by
        self.inspected_at = timezone.now()

    @transition(
        field=state,
        source=State.QA_INSPECTION,
        target=State.IN_PRODUCTION,
        custom=step(
            label=_("Fail inspection (rework)"),
            roles=["qa"],
            due="due_date",
            comment="required",
            attachments=True,
            style="danger",
            help_text=_("Give the reasons; the sample goes back to the sample room."),
        ),
    )
    def fail_inspection(self, *, by: Any, data: dict[str, Any]) -> None:
        self.inspected_by = by
        self.inspected_at = timezone.now()
        self.rework_count += 1

    @transition(
        field=state,
        source=State.PASSED,
        target=State.STORED,
        custom=step(label=_("Receive into warehouse"), roles=["warehouse"], due=WorkingDays(2)),
    )
    def receive_into_store(self, *, by: Any, data: dict[str, Any]) -> None:
        self.stored_at = timezone.now()

    @transition(
        field=state,
        source=State.STORED,
        target=State.DISPATCHED,
        custom=step(
            label=_("Release with delivery note"),
            roles=["warehouse"],
            fields=["delivery_note_no"],
            required=["delivery_note_no"],
            due=WorkingDays(3),
        ),
    )
    def release_with_delivery_note(self, *, by: Any, data: dict[str, Any]) -> None:
        self.dispatch_method = self.DispatchMethod.DELIVERY_NOTE
        self.dispatched_at = timezone.now()

    @transition(
        field=state,
        source=State.STORED,
        target=State.DISPATCHED,
        custom=step(
            label=_("Send by courier"),
            roles=["sales"],
            fields=["courier", "tracking_no"],
            required=["courier", "tracking_no"],
            rule=OwnerOnly("salesperson"),
            due=WorkingDays(3),
            style="secondary",
        ),
    )
    def send_by_courier(self, *, by: Any, data: dict[str, Any]) -> None:
        self.dispatch_method = self.DispatchMethod.COURIER
        self.dispatched_at = timezone.now()

    @transition(
        field=state,
        source=State.DISPATCHED,
        target=State.AWAITING_FEEDBACK,
        custom=step(
            label=_("Customer received it"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            due=feedback_chase,
        ),
    )
    def confirm_delivery(self, *, by: Any, data: dict[str, Any]) -> None:
        self.delivered_at = timezone.now()

    @transition(
        field=state,
        source=State.AWAITING_FEEDBACK,
        target=State.APPROVED,
        custom=step(
            label=_("Customer approves"),
            roles=["sales"],
            fields=["customer_feedback"],
            rule=OwnerOnly("salesperson"),
            attachments=True,
            style="success",
            notify=["qa", "sample_room"],
        ),
    )
    def approve(self, *, by: Any, data: dict[str, Any]) -> None:
        self.feedback_at = timezone.now()

    @transition(
        field=state,
        source=State.AWAITING_FEEDBACK,
        target=State.REJECTED,
        custom=step(
            label=_("Customer rejects"),
            roles=["sales"],
            fields=["customer_feedback"],
            required=["customer_feedback"],
            rule=OwnerOnly("salesperson"),
            attachments=True,
            due=WorkingDays(2),
            style="danger",
            help_text=_("The feedback goes to QA and the sample room, who confirm they got it."),
        ),
    )
    def reject(self, *, by: Any, data: dict[str, Any]) -> None:
        self.feedback_at = timezone.now()

    @transition(
        field=state,
        source=State.REJECTED,
        target=State.REORDERED,
        conditions=[all_signed],
        custom=step(
            label=_("Re-order (new round)"),
            roles=["sales"],
            form="samples.forms.ReorderForm",
            rule=OwnerOnly("salesperson"),
            effect="samples.services.sample_start_next_round",
            help_text=_("Starts the next round of this sample at “work order issued”."),
        ),
    )
    def reorder(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[
            State.REQUESTED,
            State.ORDERED,
            State.IN_PRODUCTION,
            State.OUTSOURCED,
            State.QA_INSPECTION,
            State.PASSED,
            State.STORED,
            State.REJECTED,
        ],
        target=State.CANCELLED,
        custom=step(
            label=_("Cancel the sample"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def cancel(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @property
    def subject(self) -> str:
        return f"{self.product_name} · {self.customer.name}"

    def page_context(self, user: Any) -> dict[str, Any]:
        return {"rounds": self.rounds()}

    def rounds(self) -> list[SampleOrder]:
        """Every round of this sample, first to last."""
        first = self
        while first.previous_round_id:
            first = first.previous_round
        chain = [first]
        while True:
            nxt = SampleOrder.objects.filter(previous_round=chain[-1]).first()
            if nxt is None:
                return chain
            chain.append(nxt)


class Board(WorkflowModel):
    """A PS or PPS board (pre-production sample) made for a customer order."""

    class State(models.TextChoices):
        MAKING = "making", _("Being made")
        MADE = "made", _("Made, to submit")
        SUBMITTED = "submitted", _("Submitted to customer")
        SIGNED = "signed", _("Signed by customer")
        REJECTED = "rejected", _("Rejected by customer")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        PS = "ps", _("PS board")
        PPS = "pps", _("PPS board")

    reference_prefix = "PB"
    subject_related = ("customer",)
    final_states = frozenset({State.SIGNED, State.CANCELLED})
    owner_field = "salesperson"
    creator_roles = ("sales", "sales_assistant")
    on_behalf_roles = ("sales_assistant",)  # for any salesperson
    read_scope = SAMPLE_READERS
    manager_roles = ("marketing_manager",)
    initial_due = "due_date"
    owner_role = "sales"
    create_form = form_fields(
        [
            "kind",
            "customer",
            "customer_order_no",
            "salesperson",
            "product_name",
            "requirements",
            "due_date",
        ],
        not_in_past=["due_date"],
    )
    search_fields = ("reference", "product_name", "customer_order_no", "customer__name")
    list_columns = ("kind", "customer", "customer_order_no", "product_name", "round")
    list_filters = ("kind", "customer")
    list_related = ("customer", "salesperson")
    record_related = ("customer", "salesperson")

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.MAKING, protected=True
    )
    kind = models.CharField(_("board type"), max_length=4, choices=Kind.choices)
    customer = models.ForeignKey(
        "orders.Customer", verbose_name=_("customer"), on_delete=models.PROTECT
    )
    customer_order_no = models.CharField(_("customer order number"), max_length=60)
    product_name = models.CharField(_("product name"), max_length=200)
    requirements = models.TextField(_("customer order requirements"), max_length=4000)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True, validators=FUTURE_DATE)
    round = models.PositiveIntegerField(_("round"), default=1, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, editable=False)
    customer_signatory = models.CharField(_("signed by (customer)"), max_length=100, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True, validators=PAST_DATE)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True, max_length=4000)

    class Meta(WorkflowModel.Meta):
        verbose_name = _("PS / PPS board")
        verbose_name_plural = _("PS / PPS boards")

    @property
    def subject(self) -> str:
        return f"{self.get_kind_display()} · {self.product_name} · {self.customer.name}"

    @transition(
        field=state,
        source=State.MAKING,
        target=State.MADE,
        custom=step(label=_("Board finished"), roles=["sample_room"], due=WorkingDays(1)),
    )
    def finish(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.MADE,
        target=State.SUBMITTED,
        custom=step(
            label=_("Submit to customer"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            due=feedback_chase,
        ),
    )
    def submit(self, *, by: Any, data: dict[str, Any]) -> None:
        self.submitted_at = timezone.now()

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.SUBMITTED,
        custom=step(
            label=_("Record a follow-up"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            comment="required",
            due=feedback_chase,
            style="outline-secondary",
            help_text=_("Note what the customer said; the follow-up clock starts again."),
        ),
    )
    def follow_up(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.SIGNED,
        custom=step(
            label=_("Customer signed"),
            roles=["sales"],
            fields=["customer_signatory", "signed_on"],
            required=["customer_signatory", "signed_on"],
            rule=OwnerOnly("salesperson"),
            attachments=True,
            style="success",
        ),
    )
    def record_signature(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.REJECTED,
        custom=step(
            label=_("Customer rejected"),
            roles=["sales"],
            fields=["rejection_reason"],
            required=["rejection_reason"],
            rule=OwnerOnly("salesperson"),
            attachments=True,
            due=WorkingDays(2),
            style="danger",
        ),
    )
    def record_rejection(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REJECTED,
        target=State.MAKING,
        custom=step(
            label=_("Remake board"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            fields=["due_date"],
            required=["due_date"],
            not_in_past=["due_date"],
            due="due_date",
            notify=["sample_room"],
        ),
    )
    def remake(self, *, by: Any, data: dict[str, Any]) -> None:
        self.round += 1
        self.customer_signatory = ""
        self.signed_on = None

    @transition(
        field=state,
        source=[State.MAKING, State.MADE, State.SUBMITTED, State.REJECTED],
        target=State.CANCELLED,
        custom=step(
            label=_("Cancel the board"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def cancel(self, *, by: Any, data: dict[str, Any]) -> None:
        pass
