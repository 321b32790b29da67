"""Customer returns (客户退货, S&M-002 5.0): registered by sales on a shipped
batch, inspected by QA, then replaced (a new shipping notice through the usual
finance review) or credited against the invoice (a credit note), or refused
and the customer told; then closed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from orders.models.common import CENT, MAX_AMOUNT, MAX_QUANTITY, ORDER_READERS, Customer, money
from orders.models.invoices import Invoice
from orders.models.order import Order
from orders.models.shipping import ShippingLine, ShippingNotice
from workflows.calendar import WorkingDays
from workflows.declarations import OwnerOnly, step
from workflows.models import AdminHistory, WorkflowModel
from workflows.validators import PAST_DATE

# The states of a return whose quantities count against what was shipped:
# every one but a cancelled or refused return.
RETURN_COUNTED = ("registered", "inspecting", "accepted", "resolved", "closed")


def return_has_lines(record: CustomerReturn) -> bool:
    return record.lines.exists()


return_has_lines.message = _("The return has no lines.")  # type: ignore[attr-defined]


def remedy_done(record: CustomerReturn) -> bool:
    """A credit note was issued, or the replacement batch has shipped."""
    if record.remedy == CustomerReturn.Remedy.CREDIT:
        return hasattr(record, "credit_note")
    notice = record.replacement
    return notice is not None and notice.state in ShippingNotice.SHIPPED_STATES


remedy_done.message = _(  # type: ignore[attr-defined]
    "The replacement batch has not shipped yet."
)


def for_replacement(record: CustomerReturn) -> bool:
    return record.remedy == CustomerReturn.Remedy.REPLACEMENT


for_replacement.message = _(  # type: ignore[attr-defined]
    "QA accepted this return for a credit note, not a replacement."
)


def for_credit(record: CustomerReturn) -> bool:
    return record.remedy == CustomerReturn.Remedy.CREDIT


for_credit.message = _(  # type: ignore[attr-defined]
    "QA accepted this return for a replacement, not a credit note."
)


class CustomerReturn(WorkflowModel):
    """Goods of a shipped batch that the customer sends back (客户退货)."""

    class State(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        INSPECTING = "inspecting", _("QA inspection")
        ACCEPTED = "accepted", _("Accepted")
        RESOLVED = "resolved", _("Replaced or credited")
        REFUSED = "refused", _("Refused")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Withdrawn")

    class Remedy(models.TextChoices):
        REPLACEMENT = "replacement", _("Replacement shipment")
        CREDIT = "credit", _("Credit note")

    reference_prefix = "RT"
    final_states = frozenset({State.CLOSED, State.CANCELLED})
    owner_field = "salesperson"
    owner_role = "sales"
    creator_roles = ("sales", "sales_assistant")
    on_behalf_roles = ("sales_assistant",)
    read_scope = ORDER_READERS
    manager_roles = ("marketing_manager",)
    initial_due = WorkingDays(1)
    subject_related = ("customer",)
    search_fields = ("reference", "notice__reference", "order__reference", "customer__name")
    list_columns = ("notice", "customer", "amount", "remedy")
    list_filters = ("customer", "remedy")
    list_related = ("notice", "customer", "salesperson")
    record_related = ("notice", "order", "customer", "salesperson", "replacement", "invoice")
    url_prefix = "returns/"

    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.REGISTERED, protected=True
    )
    notice = models.ForeignKey(
        ShippingNotice,
        verbose_name=_("shipped batch"),
        on_delete=models.PROTECT,
        related_name="returns",
    )
    # Copied from the batch when the return is registered.
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="returns"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_on = models.DateField(_("returned goods received on"), validators=PAST_DATE)
    reason = models.TextField(_("reason for the return"), max_length=4000)
    amount = models.DecimalField(
        _("value with tax"), max_digits=15, decimal_places=2, default=0, editable=False
    )
    # QA's inspection (检验结果)
    inspection_result = models.TextField(_("inspection result"), blank=True, max_length=4000)
    inspected_on = models.DateField(_("inspected on"), null=True, blank=True, validators=PAST_DATE)
    remedy = models.CharField(_("remedy"), max_length=20, choices=Remedy.choices, blank=True)
    refusal_reason = models.TextField(_("reason for refusing"), blank=True, max_length=4000)
    customer_told_on = models.DateField(
        _("customer told on"), null=True, blank=True, validators=PAST_DATE
    )
    # The remedy's records
    replacement = models.ForeignKey(
        ShippingNotice,
        verbose_name=_("replacement batch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice credited"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="returns",
    )
    # The customer complaint the return belongs to, chosen when it is
    # registered among the customer's complaints the user reads; the
    # complaint's page lists its returns.
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("customer complaint"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="returns",
    )

    history = AdminHistory()

    class Meta(WorkflowModel.Meta):
        verbose_name = _("customer return")
        verbose_name_plural = _("customer returns")

    def __str__(self) -> str:
        return WorkflowModel.__str__(self)

    @property
    def subject(self) -> str:
        return f"{self.customer.name} · {self.amount:,.2f}"

    def page_context(self, user: Any) -> dict[str, Any]:
        return {
            "return_lines": list(self.lines.select_related("shipping_line__order_line")),
            "credit_note": CreditNote.objects.filter(customer_return=self).first(),
        }

    @transition(
        field=state,
        source=State.REGISTERED,
        target=State.INSPECTING,
        conditions=[return_has_lines],
        custom=step(
            label=_("Send to QA for inspection"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            due=WorkingDays(2),
            notify=["qa"],
            help_text=_("Attach the evidence (photos, the customer's letter) first."),
        ),
    )
    def return_submit(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.INSPECTING,
        target=State.ACCEPTED,
        custom=step(
            label=_("Accept the return"),
            roles=["qa"],
            fields=["inspection_result", "inspected_on", "remedy"],
            required=["inspection_result", "inspected_on", "remedy"],
            due=WorkingDays(2),
            notify=["sales_assistant", "finance"],
            style="success",
            help_text=_("The inspection result, and whether the goods are replaced or credited."),
        ),
    )
    def return_accept(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.INSPECTING,
        target=State.REFUSED,
        custom=step(
            label=_("Refuse the return"),
            roles=["qa"],
            fields=["inspection_result", "inspected_on", "refusal_reason"],
            required=["inspection_result", "inspected_on", "refusal_reason"],
            due=WorkingDays(1),
            style="danger",
        ),
    )
    def return_refuse(self, *, by: Any, data: dict[str, Any]) -> None:
        self.remedy = ""

    @transition(
        field=state,
        source=State.ACCEPTED,
        target=State.RESOLVED,
        conditions=[for_replacement],
        custom=step(
            label=_("Draft the replacement batch"),
            roles=["sales_assistant"],
            form="orders.return_forms.ReplacementForm",
            due=dt.timedelta(days=14),
            effect="orders.return_services.replacement_draft",
            help_text=_(
                "A shipping notice for the returned quantities, reviewed by finance as usual."
            ),
        ),
    )
    def return_replace(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.ACCEPTED,
        target=State.RESOLVED,
        conditions=[for_credit],
        custom=step(
            label=_("Issue the credit note"),
            roles=["finance"],
            form="orders.return_forms.CreditNoteForm",
            due=WorkingDays(1),
            effect="orders.return_services.credit_note_issue",
            help_text=_("Credits the invoice with the value of the returned goods."),
        ),
    )
    def return_credit(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REFUSED,
        target=State.CLOSED,
        custom=step(
            label=_("Customer told of the refusal"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            fields=["customer_told_on"],
            required=["customer_told_on"],
        ),
    )
    def return_tell(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.RESOLVED,
        target=State.CLOSED,
        conditions=[remedy_done],
        custom=step(label=_("Close the return"), roles=["sales_assistant"], style="success"),
    )
    def return_close(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REGISTERED,
        target=State.CANCELLED,
        custom=step(
            label=_("Withdraw the return"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def return_withdraw(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


class ReturnLine(models.Model):
    """A line of the shipped batch and the quantity of it returned."""

    customer_return = models.ForeignKey(
        CustomerReturn,
        verbose_name=_("customer return"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    shipping_line = models.ForeignKey(
        ShippingLine,
        verbose_name=_("shipping line"),
        on_delete=models.PROTECT,
        related_name="returned",
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=11,
        decimal_places=2,
        validators=[MinValueValidator(CENT), MaxValueValidator(MAX_QUANTITY)],
    )
    amount = models.DecimalField(
        _("value with tax"), max_digits=15, decimal_places=2, default=0, editable=False
    )

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        ordering = ["customer_return", "shipping_line__order_line__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer_return", "shipping_line"], name="unique_return_line"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shipping_line_id} × {self.quantity}"

    def compute(self, shipping_line: ShippingLine) -> None:
        """The returned share of the line with tax, rounded like the line."""
        line = shipping_line.order_line
        amount = money(self.quantity * line.unit_price)
        self.amount = amount + money(amount * line.tax_rate / 100)


class CreditNote(models.Model):
    """A credit note (红字发票 / 贷项通知) against an invoice for an accepted
    return: the invoice's open balance, and so the receivables, go down by
    exactly its amount."""

    customer_return = models.OneToOneField(
        CustomerReturn,
        verbose_name=_("customer return"),
        on_delete=models.PROTECT,
        related_name="credit_note",
    )
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="credit_notes"
    )
    number = models.CharField(_("credit note number"), max_length=60, unique=True)
    issued_on = models.DateField(_("issued on"), validators=PAST_DATE)
    amount = models.DecimalField(
        _("amount"),
        max_digits=15,
        decimal_places=2,
        validators=[MinValueValidator(CENT), MaxValueValidator(MAX_AMOUNT)],
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["invoice", "issued_on", "pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.amount:,.2f}"


def returned_quantities(
    notice: ShippingNotice, *, exclude: int | None = None
) -> dict[int, Decimal]:
    """Per shipping line (its pk), the quantity already returned on the
    batch's returns that count (not withdrawn or refused)."""
    rows = ReturnLine.objects.filter(
        customer_return__notice=notice, customer_return__state__in=RETURN_COUNTED
    )
    if exclude is not None:
        rows = rows.exclude(customer_return_id=exclude)
    sums = rows.values("shipping_line_id").annotate(q=models.Sum("quantity"))
    return {r["shipping_line_id"]: r["q"] for r in sums}
