"""Shipping in batches: the shipping notice (出货通知单) and its delivery note
(送货单).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from orders.models.common import CENT, MAX_QUANTITY, ORDER_READERS, Customer, money
from orders.models.order import Order, OrderLine
from workflows.calendar import WorkingDays
from workflows.declarations import (
    OwnerOnly,
    step,
)
from workflows.models import AdminHistory, WorkflowModel
from workflows.validators import FUTURE_DATE, PAST_DATE


def notice_has_lines(notice: ShippingNotice) -> bool:
    return notice.lines.exists()


notice_has_lines.message = _("The shipping notice has no lines.")  # type: ignore[attr-defined]


# The currency credit limits are kept in.
CREDIT_CURRENCY = "CNY"


def within_credit(notice: ShippingNotice) -> bool:
    return not notice.credit_check()["over"]


within_credit.message = _(  # type: ignore[attr-defined]
    "This batch takes the customer over the credit limit: approve it over the limit, "
    "with your reason."
)


def over_credit(notice: ShippingNotice) -> bool:
    return bool(notice.credit_check()["over"])


over_credit.message = _(  # type: ignore[attr-defined]
    "The batch is within the customer's credit limit: approve it as usual."
)


class ShippingNotice(WorkflowModel):
    """One batch of an order (出货通知单): drafted by the order follower for
    lines and quantities of the order, reviewed by finance with the
    customer's receivables and credit limit in view, shipped by the
    warehouse with the delivery note (送货单) and signed for by the customer."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Drafted")
        FINANCE_REVIEW = "finance_review", _("Finance review")
        APPROVED = "approved", _("Approved for shipping")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    SHIPPED_STATES = frozenset({State.SHIPPED, State.DELIVERED})

    reference_prefix = "SN"
    final_states = frozenset({State.DELIVERED, State.CANCELLED})
    owner_field = "salesperson"
    owner_role = "sales"
    creator_roles = ("sales_assistant",)
    on_behalf_roles = ("sales_assistant",)  # drafted for the order's salesperson
    read_scope = ORDER_READERS
    manager_roles = ("marketing_manager",)
    initial_due = WorkingDays(1)
    subject_related = ("customer",)
    search_fields = ("reference", "order__reference", "customer__name", "delivery_note_no")
    list_columns = ("order", "customer", "ship_date", "amount", "delivery_note_no")
    list_filters = ("customer",)
    list_related = ("order", "customer", "salesperson")
    record_related = ("order", "customer", "salesperson")
    url_prefix = "notices/"

    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.DRAFT, protected=True
    )
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="notices"
    )
    # Copied from the order when the notice is drafted.
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    ship_date = models.DateField(_("planned shipping date"), validators=FUTURE_DATE)
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    remarks = models.TextField(_("remarks"), blank=True, max_length=4000)
    amount = models.DecimalField(
        _("amount with tax"), max_digits=15, decimal_places=2, default=0, editable=False
    )
    over_limit = models.BooleanField(
        _("approved over the credit limit"), default=False, editable=False
    )
    # 送货单
    delivery_note_no = models.CharField(_("delivery note number"), max_length=60, blank=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    shipped_on = models.DateField(_("shipped on"), null=True, blank=True, validators=PAST_DATE)
    # Signed by the customer
    received_by = models.CharField(_("received by (customer)"), max_length=100, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True, validators=PAST_DATE)

    history = AdminHistory()  # changes made in the admin

    class Meta(WorkflowModel.Meta):
        verbose_name = _("shipping notice")
        verbose_name_plural = _("shipping notices")

    def __str__(self) -> str:
        return WorkflowModel.__str__(self)

    @property
    def subject(self) -> str:
        return f"{self.customer.name} · {self.amount:,.2f}"

    def credit_check(self) -> dict[str, Any]:
        """The customer's open and overdue receivables, the credit limit, and
        whether this batch takes the customer over it (computed once per
        instance). The limit is kept in CNY and there are no exchange rates:
        only CNY balances count against it, and a batch in another currency
        cannot be judged by it, so it needs finance's approval over the limit."""
        cached = getattr(self, "_credit", None)
        if cached is None:
            today = timezone.localdate()
            Invoice = apps.get_model("orders", "Invoice")  # defined with a link to notices
            open_invoices = Invoice.objects.filter(
                customer_id=self.customer_id, state=Invoice.State.ISSUED
            )
            balance = models.F("amount") - models.F("paid_amount") - models.F("credited_amount")
            in_limit = models.Q(currency=CREDIT_CURRENCY)
            sums = open_invoices.aggregate(
                open=models.Sum(balance, filter=in_limit),
                overdue=models.Sum(balance, filter=in_limit & models.Q(due_date__lt=today)),
                other_currencies=models.Count("pk", filter=~in_limit),
            )
            limit = Customer.objects.values_list("credit_limit", flat=True).get(pk=self.customer_id)
            receivable = sums["open"] or Decimal("0")
            currency = self.order.currency
            exposure = receivable + (self.amount if currency == CREDIT_CURRENCY else Decimal("0"))
            cached = {
                "open": receivable,
                "overdue": sums["overdue"] or Decimal("0"),
                "limit": limit,
                "exposure": exposure,
                "currency": currency,
                "foreign_batch": currency != CREDIT_CURRENCY,
                "other_currencies": sums["other_currencies"],
                "over": currency != CREDIT_CURRENCY or exposure > limit,
            }
            self._credit = cached
        return cached

    def page_context(self, user: Any) -> dict[str, Any]:
        return {
            "notice_lines": list(self.lines.select_related("order_line")),
            "credit": self.credit_check(),
        }

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.FINANCE_REVIEW,
        conditions=[notice_has_lines],
        custom=step(
            label=_("Submit to finance"),
            roles=["sales_assistant"],
            due=WorkingDays(1),
            notify=["finance"],
        ),
    )
    def notice_submit(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.FINANCE_REVIEW,
        target=State.APPROVED,
        conditions=[within_credit],
        custom=step(
            label=_("Approve the shipment"),
            roles=["finance"],
            due=WorkingDays(2),
            notify=["warehouse"],
            style="success",
        ),
    )
    def notice_approve(self, *, by: Any, data: dict[str, Any]) -> None:
        self.over_limit = False

    @transition(
        field=state,
        source=State.FINANCE_REVIEW,
        target=State.APPROVED,
        conditions=[over_credit],
        custom=step(
            label=_("Approve over the credit limit"),
            roles=["finance"],
            comment="required",
            due=WorkingDays(2),
            notify=["warehouse", "sales_assistant"],
            style="warning",
            help_text=_("The batch takes the customer over the credit limit: give your reason."),
        ),
    )
    def notice_approve_over_limit(self, *, by: Any, data: dict[str, Any]) -> None:
        self.over_limit = True

    @transition(
        field=state,
        source=State.FINANCE_REVIEW,
        target=State.DRAFT,
        custom=step(
            label=_("Hold and send back"),
            roles=["finance"],
            comment="required",
            due=WorkingDays(1),
            style="danger",
            help_text=_("Say what must happen first (a payment, a deposit)."),
        ),
    )
    def notice_hold(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.APPROVED,
        target=State.SHIPPED,
        custom=step(
            label=_("Ship with the delivery note"),
            roles=["warehouse"],
            fields=["delivery_note_no", "carrier", "shipped_on"],
            required=["delivery_note_no", "carrier", "shipped_on"],
            due=dt.timedelta(days=7),
            notify=["sales_assistant", "finance"],
            effect="orders.services.notice_shipped",
            help_text=_("送货单: its number, the carrier and the day the goods left."),
        ),
    )
    def notice_ship(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.SHIPPED,
        target=State.DELIVERED,
        custom=step(
            label=_("Delivered, signed by the customer"),
            roles=["sales"],
            fields=["received_by", "received_on"],
            required=["received_by", "received_on"],
            rule=OwnerOnly("salesperson"),
            style="success",
        ),
    )
    def notice_delivered(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[State.DRAFT, State.FINANCE_REVIEW, State.APPROVED],
        target=State.CANCELLED,
        custom=step(
            label=_("Cancel the notice"),
            roles=["sales_assistant"],
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def notice_cancel(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


class ShippingLine(models.Model):
    """A line of the order and the quantity of it in this batch."""

    notice = models.ForeignKey(
        ShippingNotice,
        verbose_name=_("shipping notice"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    order_line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.PROTECT, related_name="shipped"
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=11,
        decimal_places=2,
        validators=[MinValueValidator(CENT), MaxValueValidator(MAX_QUANTITY)],
    )
    amount = models.DecimalField(
        _("amount with tax"), max_digits=15, decimal_places=2, default=0, editable=False
    )

    class Meta:
        verbose_name = _("shipping line")
        verbose_name_plural = _("shipping lines")
        ordering = ["notice", "order_line__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "order_line"], name="unique_shipping_line")
        ]

    def __str__(self) -> str:
        return f"{self.order_line_id} × {self.quantity}"

    def compute(self, line: OrderLine) -> None:
        """The batch's share of the line with tax, rounded like the line."""
        amount = money(self.quantity * line.unit_price)
        self.amount = amount + money(amount * line.tax_rate / 100)
