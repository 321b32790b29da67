"""Customer-supplied products and drawings (承接顾客提供产品及图样, 客户来图 /
来样): the salesperson records what the customer requires and provides, the
department head reviews it, the salesperson signs for the items and hands
them to the sales assistant, who registers them; drawings go to the technical
department on the handover record (客户来图移交记录), products to QA on the
inspection-and-storage notice (原材料、外购件、外协件检验入库通知单); both
handovers are done before the items are in use; at the end of the job they
are returned to the customer or destroyed. A new version of a drawing
supersedes the old one and is handed over to technical again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from orders.models.common import Customer
from orders.models.order import Order
from workflows.calendar import WorkingDays
from workflows.declarations import (
    CurrentStep,
    Escalated,
    Owner,
    OwnerOnly,
    Roles,
    form_fields,
    step,
)
from workflows.models import AdminHistory, Attachment, WorkflowModel
from workflows.roles import MANAGER_ROLES
from workflows.validators import PAST_DATE

# Customers' drawings are often confidential: read by the salesperson who
# took them, the sales assistants who register them, the technical and
# quality departments they are handed to, and the managers; anyone else only
# while a step of theirs waits on the record (README, "Security").
SUPPLY_READERS = (
    Owner() | Roles("sales_assistant", "tech", "qa", *MANAGER_ROLES) | CurrentStep() | Escalated()
)


def has_items(record: CustomerSupply) -> bool:
    return record.items.exists()


has_items.message = _(  # type: ignore[attr-defined]
    "Register the drawings and products first."
)


def drawings_pending(record: CustomerSupply) -> bool:
    return record.items.filter(SuppliedItem.PENDING_DRAWING).exists()


drawings_pending.message = _(  # type: ignore[attr-defined]
    "No drawing is waiting for the technical department."
)


def products_pending(record: CustomerSupply) -> bool:
    return record.items.filter(SuppliedItem.PENDING_PRODUCT).exists()


products_pending.message = _(  # type: ignore[attr-defined]
    "No product is waiting for QA."
)


def handovers_done(record: CustomerSupply) -> bool:
    return not record.items.filter(
        SuppliedItem.PENDING_DRAWING | SuppliedItem.PENDING_PRODUCT
    ).exists()


handovers_done.message = _(  # type: ignore[attr-defined]
    "The items are in use only once technical has acknowledged every drawing "
    "and QA has inspected and stored every product."
)


def has_current_drawing(record: CustomerSupply) -> bool:
    return record.items.filter(kind=SuppliedItem.Kind.DRAWING, superseded_by__isnull=True).exists()


has_current_drawing.message = _(  # type: ignore[attr-defined]
    "There is no drawing to supersede."
)


class CustomerSupply(WorkflowModel):
    """Products and drawings a customer provides for a job (客户来图 / 来样)."""

    class State(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        REVIEW = "review", _("Department head review")
        SIGNING = "signing", _("To be signed for")
        REGISTERING = "registering", _("Registration")
        HANDOVER = "handover", _("Handover to technical and QA")
        IN_USE = "in_use", _("In use")
        CLOSED = "closed", _("Returned or destroyed")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Withdrawn")

    class Disposal(models.TextChoices):
        RETURNED = "returned", _("Returned to the customer")
        DESTROYED = "destroyed", _("Destroyed")

    reference_prefix = "CS"
    final_states = frozenset({State.CLOSED, State.REFUSED, State.CANCELLED})
    owner_field = "salesperson"
    owner_role = "sales"
    creator_roles = ("sales", "sales_assistant")
    on_behalf_roles = ("sales_assistant",)
    read_scope = SUPPLY_READERS
    manager_roles = ("marketing_manager",)
    initial_due = WorkingDays(1)
    subject_related = ("customer",)
    # The order, if the job is one, is chosen among the orders the user reads
    # (``orders.drawing_views.SupplyCreateView``).
    create_form = form_fields(
        ["customer", "salesperson", "order", "requirements", "provided"],
        limit_choices_to={"customer": {"active": True}},
    )
    form_widgets = {
        "requirements": forms.Textarea(attrs={"rows": 3}),
        "provided": forms.Textarea(attrs={"rows": 3}),
    }
    search_fields = ("reference", "customer__name", "order__reference", "provided")
    list_columns = ("customer", "order", "provided")
    list_filters = ("customer",)
    list_related = ("customer", "order", "salesperson")
    record_related = ("customer", "order", "salesperson")
    url_prefix = "supplies/"

    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.RECORDED, protected=True
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="supplies"
    )
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supplies",
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requirements = models.TextField(_("the customer's requirements"), max_length=4000)
    provided = models.TextField(_("products and drawings provided"), max_length=4000)
    refusal_reason = models.TextField(_("reason for refusing"), blank=True, max_length=4000)
    signed_for_on = models.DateField(
        _("signed for on"), null=True, blank=True, validators=PAST_DATE
    )
    disposal = models.CharField(
        _("at the end of the job"), max_length=20, choices=Disposal.choices, blank=True
    )
    disposed_on = models.DateField(_("on"), null=True, blank=True, validators=PAST_DATE)
    disposal_note = models.TextField(_("how (receipt, witness)"), blank=True, max_length=2000)

    history = AdminHistory()

    class Meta(WorkflowModel.Meta):
        verbose_name = _("customer-supplied drawings and products")
        verbose_name_plural = _("customer-supplied drawings and products")

    def __str__(self) -> str:
        return WorkflowModel.__str__(self)

    @property
    def subject(self) -> str:
        return f"{self.customer.name} · {self.provided[:40]}"

    def clean(self) -> None:
        super().clean()
        if self.order_id and self.customer_id and self.order.customer_id != self.customer_id:
            raise ValidationError(
                {"order": _("This order is another customer's: choose one of the customer's.")}
            )

    def page_context(self, user: Any) -> dict[str, Any]:
        items = list(
            self.items.select_related(
                "attachment", "acknowledged_by", "inspected_by", "superseded_by"
            )
        )
        return {
            "drawings": [i for i in items if i.kind == SuppliedItem.Kind.DRAWING],
            "products": [i for i in items if i.kind == SuppliedItem.Kind.PRODUCT],
        }

    @transition(
        field=state,
        source=State.RECORDED,
        target=State.REVIEW,
        custom=step(
            label=_("Submit to the department head"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            due=WorkingDays(1),
            notify=["marketing_manager"],
        ),
    )
    def supply_submit(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REVIEW,
        target=State.SIGNING,
        custom=step(
            label=_("Approve taking them on"),
            roles=["marketing_manager"],
            due=WorkingDays(1),
            style="success",
        ),
    )
    def supply_approve(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REVIEW,
        target=State.REFUSED,
        custom=step(
            label=_("Refuse"),
            roles=["marketing_manager"],
            fields=["refusal_reason"],
            required=["refusal_reason"],
            style="danger",
        ),
    )
    def supply_refuse(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.SIGNING,
        target=State.REGISTERING,
        custom=step(
            label=_("Signed for, handed to the sales assistant"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            fields=["signed_for_on"],
            required=["signed_for_on"],
            due=WorkingDays(1),
            notify=["sales_assistant"],
        ),
    )
    def supply_sign_for(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REGISTERING,
        target=State.REGISTERING,
        custom=step(
            label=_("Register a drawing or product"),
            roles=["sales_assistant"],
            form="orders.drawing_forms.ItemForm",
            comment="hidden",
            due=WorkingDays(1),
            style="secondary",
            effect="orders.drawing_services.item_register",
            help_text=_("One drawing (number, version) or product (quantity) at a time."),
        ),
    )
    def supply_register_item(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REGISTERING,
        target=State.HANDOVER,
        conditions=[has_items],
        custom=step(
            label=_("Hand over to technical and QA"),
            roles=["sales_assistant"],
            due=WorkingDays(2),
            notify=["tech", "qa"],
        ),
    )
    def supply_hand_over(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.HANDOVER,
        target=State.HANDOVER,
        conditions=[drawings_pending],
        custom=step(
            label=_("Acknowledge the drawings"),
            roles=["tech"],
            due=WorkingDays(2),
            style="success",
            effect="orders.drawing_services.drawings_acknowledge",
            help_text=_("客户来图移交记录: the technical department received these drawings."),
        ),
    )
    def supply_acknowledge(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.HANDOVER,
        target=State.HANDOVER,
        conditions=[products_pending],
        custom=step(
            label=_("Inspect and store the products"),
            roles=["qa"],
            form="orders.drawing_forms.InspectionForm",
            due=WorkingDays(2),
            style="success",
            effect="orders.drawing_services.products_inspect",
            help_text=_("检验入库通知单: the inspection result and where they are stored."),
        ),
    )
    def supply_inspect(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.HANDOVER,
        target=State.IN_USE,
        conditions=[handovers_done],
        custom=step(
            label=_("Put in use"),
            roles=["sales_assistant"],
            notify=["tech", "qa"],
        ),
    )
    def supply_in_use(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.IN_USE,
        target=State.HANDOVER,
        conditions=[has_current_drawing],
        custom=step(
            label=_("Register a new drawing version"),
            roles=["sales_assistant"],
            form="orders.drawing_forms.NewVersionForm",
            comment="hidden",
            due=WorkingDays(2),
            notify=["tech"],
            style="warning",
            inbox=False,
            effect="orders.drawing_services.drawing_supersede",
            help_text=_("The new version supersedes the old one; technical acknowledges it again."),
        ),
    )
    def supply_new_version(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.IN_USE,
        target=State.CLOSED,
        custom=step(
            label=_("Returned or destroyed"),
            roles=["sales_assistant"],
            fields=["disposal", "disposed_on", "disposal_note"],
            required=["disposal", "disposed_on", "disposal_note"],
            inbox=False,
            help_text=_("At the end of the job: returned to the customer, or destroyed."),
        ),
    )
    def supply_dispose(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.RECORDED,
        target=State.CANCELLED,
        custom=step(
            label=_("Withdraw"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def supply_withdraw(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


class SuppliedItem(models.Model):
    """A drawing or product the customer provided, as the sales assistant
    registered it, with its handover: a drawing acknowledged by technical, a
    product inspected and stored by QA."""

    class Kind(models.TextChoices):
        DRAWING = "drawing", _("Drawing")
        PRODUCT = "product", _("Product or sample")

    class Confidentiality(models.TextChoices):
        NORMAL = "normal", _("Normal")
        CONFIDENTIAL = "confidential", _("Confidential")
        SECRET = "secret", _("Secret")

    supply = models.ForeignKey(
        CustomerSupply,
        verbose_name=_("customer-supplied drawings and products"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    number = models.CharField(_("drawing or part number"), max_length=60)
    title = models.CharField(_("name"), max_length=200)
    version = models.CharField(_("version"), max_length=20, blank=True)
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100000)]
    )
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=20,
        choices=Confidentiality.choices,
        default=Confidentiality.NORMAL,
    )
    attachment = models.ForeignKey(
        Attachment,
        verbose_name=_("file"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered at"), editable=False)
    superseded_by = models.OneToOneField(
        "self",
        verbose_name=_("superseded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
    )
    # The drawing's handover (客户来图移交记录)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by (technical)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("received at"), null=True, blank=True, editable=False)
    # The product's inspection and storage (检验入库通知单)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspected by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True, editable=False)
    inspection_result = models.CharField(_("inspection result"), max_length=500, blank=True)
    storage_location = models.CharField(_("stored at"), max_length=100, blank=True)

    PENDING_DRAWING = models.Q(
        kind="drawing", acknowledged_at__isnull=True, superseded_by__isnull=True
    )
    PENDING_PRODUCT = models.Q(kind="product", inspected_at__isnull=True)

    class Meta:
        verbose_name = _("supplied item")
        verbose_name_plural = _("supplied items")
        ordering = ["supply", "kind", "number", "registered_at", "pk"]

    def __str__(self) -> str:
        version = f" {self.version}" if self.version else ""
        return f"{self.number}{version} {self.title}"
