"""Invoices, payments and their follow-up (货款到账跟进)."""

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

from orders.models.common import CENT, MAX_AMOUNT, ORDER_READERS, Customer
from orders.models.order import Order
from orders.models.shipping import ShippingNotice
from workflows.declarations import (
    step,
)
from workflows.models import AdminHistory, WorkflowModel
from workflows.validators import FUTURE_DATE, PAST_DATE

# An invoice's open balance in the database: what is neither paid nor credited.
OPEN_BALANCE = models.F("amount") - models.F("paid_amount") - models.F("credited_amount")


def balance_zero(invoice: Invoice) -> bool:
    return invoice.balance <= 0


balance_zero.message = _("The invoice still has a balance.")  # type: ignore[attr-defined]


def no_payments(invoice: Invoice) -> bool:
    return invoice.paid_amount == 0


no_payments.message = _(  # type: ignore[attr-defined]
    "An invoice with payments recorded cannot be cancelled."
)


class Invoice(WorkflowModel):
    """An invoice for a batch (a shipping notice) or for the rest of an
    order, issued by finance. Its step's deadline is its due date, so the
    engine's deadline scan reminds the salesperson and finance before and
    after it, and escalates it by the escalation rules."""

    class State(models.TextChoices):
        ISSUED = "issued", _("Awaiting payment")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    reference_prefix = "IV"
    final_states = frozenset({State.PAID, State.CANCELLED})
    owner_field = "salesperson"
    owner_role = "sales"
    creator_roles = ("finance",)
    on_behalf_roles = ("finance",)  # issued for the order's salesperson
    read_scope = ORDER_READERS
    manager_roles = ("marketing_manager",)
    initial_due = "due_date"
    subject_related = ("customer",)
    remind_before = dt.timedelta(days=7)
    remind_every = dt.timedelta(days=7)
    search_fields = ("reference", "invoice_no", "order__reference", "customer__name")
    list_columns = ("invoice_no", "customer", "order", "amount", "paid_amount", "due_date")
    list_filters = ("customer",)
    list_related = ("order", "customer", "salesperson")
    record_related = ("order", "notice", "customer", "salesperson")
    url_prefix = "invoices/"

    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.ISSUED, protected=True
    )
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="invoices"
    )
    notice = models.ForeignKey(
        ShippingNotice,
        verbose_name=_("shipping notice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    invoice_no = models.CharField(_("invoice number"), max_length=60, unique=True)
    invoice_date = models.DateField(_("invoice date"), validators=PAST_DATE)
    currency = models.CharField(_("currency"), max_length=3, editable=False)
    # Computed on the server: the batch's or the order's rest, and the terms.
    amount = models.DecimalField(
        _("amount"), max_digits=15, decimal_places=2, default=0, editable=False
    )
    due_date = models.DateField(_("payment due date"), null=True, editable=False)
    paid_amount = models.DecimalField(
        _("paid"), max_digits=15, decimal_places=2, default=0, editable=False
    )
    # What credit notes (returns accepted for credit) took off the invoice.
    credited_amount = models.DecimalField(
        _("credited"), max_digits=15, decimal_places=2, default=0, editable=False
    )

    history = AdminHistory()  # changes made in the admin

    class Meta(WorkflowModel.Meta):
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            *WorkflowModel.Meta.indexes,
            models.Index(fields=["customer", "state", "due_date"], name="invoice_open_by_customer"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notice"],
                condition=models.Q(notice__isnull=False) & ~models.Q(state="cancelled"),
                name="one_open_invoice_per_notice",
            )
        ]

    def __str__(self) -> str:
        return WorkflowModel.__str__(self)

    @property
    def subject(self) -> str:
        return f"{self.customer.name} · {self.invoice_no} · {self.currency} {self.balance:,.2f}"

    @property
    def balance(self) -> Decimal:
        return self.amount - self.paid_amount - self.credited_amount

    def page_context(self, user: Any) -> dict[str, Any]:
        return {
            "payments": list(self.payments.select_related("recorded_by")),
            "contacts": list(self.contacts.select_related("recorded_by")),
        }

    @transition(
        field=state,
        source=State.ISSUED,
        target=State.ISSUED,
        custom=step(
            label=_("Record a payment"),
            roles=["finance"],
            form="orders.forms.PaymentForm",
            due="due_date",
            style="success",
            effect="orders.services.payment_add",
            help_text=_("A payment received against this invoice; part payments are allowed."),
        ),
    )
    def record_payment(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.ISSUED,
        target=State.ISSUED,
        custom=step(
            label=_("Log a contact with the customer"),
            roles=["sales", "finance"],
            form="orders.forms.ContactForm",
            due="due_date",
            style="secondary",
            effect="orders.services.contact_add",
            help_text=_("货款到账跟进: who was called or visited, and what was promised."),
        ),
    )
    def log_contact(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.ISSUED,
        target=State.PAID,
        conditions=[balance_zero],
        custom=step(
            label=_("Paid in full"),
            roles=["finance"],
            inbox=False,
            style="outline-secondary",
            notify=["sales_assistant"],
            effect="orders.services.invoice_settled",
            help_text=_("Taken when a payment clears the balance."),
        ),
    )
    def settle(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.ISSUED,
        target=State.CANCELLED,
        conditions=[no_payments],
        custom=step(
            label=_("Cancel the invoice"),
            roles=["finance"],
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def invoice_cancel(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


class Payment(models.Model):
    """A payment received against an invoice (到账)."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="payments"
    )
    paid_on = models.DateField(_("received on"), validators=PAST_DATE)
    amount = models.DecimalField(
        _("amount"),
        max_digits=15,
        decimal_places=2,
        validators=[MinValueValidator(CENT), MaxValueValidator(MAX_AMOUNT)],
    )
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["invoice", "paid_on", "pk"]

    def __str__(self) -> str:
        return f"{self.paid_on:%Y-%m-%d} {self.amount:,.2f}"


class ContactLog(models.Model):
    """The payment follow-up's contact log: called the customer on …,
    promised to pay by …"""

    class How(models.TextChoices):
        PHONE = "phone", _("Phone")
        VISIT = "visit", _("Visit")
        EMAIL = "email", _("Email or message")
        LETTER = "letter", _("Letter")

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="contacts"
    )
    contacted_on = models.DateField(_("contacted on"), validators=PAST_DATE)
    how = models.CharField(_("how"), max_length=10, choices=How.choices)
    contact_person = models.CharField(_("who (customer)"), max_length=100, blank=True)
    note = models.TextField(_("what was said"), max_length=2000)
    promised_on = models.DateField(
        _("promised to pay by"), null=True, blank=True, validators=FUTURE_DATE
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("contact log entry")
        verbose_name_plural = _("contact log")
        ordering = ["invoice", "-contacted_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.contacted_on:%Y-%m-%d} {self.get_how_display()}"
