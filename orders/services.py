"""Writes of the orders app beyond a step: the order contract form saved with
its lines and batches, customers with their contacts, shipping notices with
their lines, invoices, payments and the contact log, and the effects through
which their steps move the order on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.notify.messages import tell
from workflows.roles import role_members
from workflows.services import (
    STALE_MESSAGE,
    StaleRecord,
    StepNotAvailable,
    owner_check,
    record_start,
    transition_follow,
)

from .forms import ContactFormSet, CustomerForm, OrderEntry
from .models import (
    EDITABLE_STATES,
    INVOICING_OPEN,
    SHIPPING_OPEN,
    ContactLog,
    Customer,
    DeliveryBatch,
    Invoice,
    Order,
    OrderLine,
    Payment,
    ShippingLine,
    ShippingNotice,
)

SHIPPABLE_STATES = SHIPPING_OPEN  # the order's states in which a batch may be drafted


def _write_lines(order: Order, entry: OrderEntry) -> None:
    """Replace the order's lines and batches with the form's, then compute
    every amount from them."""
    order.lines.all().delete()  # their batches go with them
    saved: dict[int, OrderLine] = {}
    for position, (number, data) in enumerate(sorted(entry.kept_lines().items()), start=1):
        fields = {k: v for k, v in data.items() if k != "DELETE"}
        line = OrderLine(order=order, position=position, **fields)
        line.compute()
        line.save()
        saved[number] = line
    DeliveryBatch.objects.bulk_create(
        DeliveryBatch(
            order=order,
            line=saved[data["line"]],
            delivery_date=data["delivery_date"],
            quantity=data["quantity"],
        )
        for _form, data in entry.kept_batches()
    )
    order.recompute()


def _default_terms(order: Order) -> None:
    if order.deposit_percent is None and order.payment_days is None:
        order.deposit_percent = order.customer.deposit_percent
        order.payment_days = order.customer.payment_days


def order_create(*, entry: OrderEntry, user: AbstractBaseUser) -> Order:
    """A new order from a valid order contract form, at "received". Raises
    PermissionDenied when it names another salesperson and the user may not
    open orders for others."""
    order = entry.form.save(commit=False)
    owner_check(order, user)
    with transaction.atomic():
        _default_terms(order)
        record_start(record=order, user=user)
        _write_lines(order, entry)
    return order


def order_update(
    *, order: Order, entry: OrderEntry, user: AbstractBaseUser, seen_seq: int
) -> Order:
    """Save a changed order contract form on the locked order, if it is still at
    the step the page showed and may still be changed."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.step_seq != seen_seq:
            raise StaleRecord(STALE_MESSAGE)
        if locked.state not in EDITABLE_STATES:
            raise StepNotAvailable(_("The order can no longer be changed: it is under review."))
        updated = entry.form.save(commit=False)
        _default_terms(updated)
        updated.save()
        _write_lines(updated, entry)
    return updated


def customer_save(
    *, form: CustomerForm, contacts: ContactFormSet, user: AbstractBaseUser
) -> Customer:
    with transaction.atomic():
        customer = form.save()
        contacts.instance = customer
        contacts.save()
    return customer


# --- Shipping notices --------------------------------------------------------------------


def notice_create(
    *,
    order: Order,
    notice: ShippingNotice,
    quantities: dict[int, Decimal],
    user: AbstractBaseUser,
) -> ShippingNotice:
    """A drafted shipping notice for ``quantities`` (order line pk → quantity)
    of ``order``. Under the order's lock, so that two notices drafted at once
    cannot together ship more than was ordered: each line's quantity is at
    most what is ordered less what other notices (not cancelled) hold.
    Raises ValidationError keyed by the line's pk, StepNotAvailable for an
    order that is not ready to ship."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.state not in SHIPPABLE_STATES:
            raise StepNotAvailable(
                _("Batches are shipped once the order is in the warehouse (now “%(state)s”).")
                % {"state": locked.get_state_display()}
            )
        if not quantities:
            raise ValidationError({None: _("Enter the quantity of at least one line.")})
        lines = {line.pk: line for line in locked.lines.all()}
        noticed = locked.shipped_quantities(noticed=True)
        errors: dict[Any, list[Any]] = {}
        for pk, quantity in quantities.items():
            if pk not in lines:
                errors[pk] = [_("This line is not on the order.")]
                continue
            left = lines[pk].quantity - noticed.get(pk, Decimal("0"))
            if quantity > left:
                errors[pk] = [
                    _("At most %(left)s %(unit)s of this line are left to ship.")
                    % {"left": f"{left:,.2f}", "unit": lines[pk].unit}
                ]
        if errors:
            raise ValidationError(errors)
        notice.order = locked
        notice.customer_id = locked.customer_id
        notice.salesperson_id = locked.salesperson_id
        if not notice.delivery_address:
            notice.delivery_address = locked.delivery_address
        record_start(record=notice, user=user)
        rows = []
        for pk, quantity in sorted(quantities.items(), key=lambda kv: lines[kv[0]].position):
            row = ShippingLine(notice=notice, order_line=lines[pk], quantity=quantity)
            row.compute(lines[pk])
            rows.append(row)
        ShippingLine.objects.bulk_create(rows)
        notice.amount = sum((r.amount for r in rows), Decimal("0"))
        ShippingNotice.objects.filter(pk=notice.pk).update(amount=notice.amount)
    return notice


def notice_shipped(*, record: ShippingNotice, user: AbstractBaseUser, data: Any) -> None:
    """Effect of a batch shipped: the order is shipping, or shipped once
    everything ordered has."""
    order = record.order
    if not transition_follow(record=order, name="all_shipped", user=user, comment=record.reference):
        transition_follow(record=order, name="batch_shipped", user=user, comment=record.reference)


# --- Invoices and payments ---------------------------------------------------------------


def invoice_amount(order: Order, notice: ShippingNotice | None) -> Decimal:
    """A batch's amount, or what of the order no invoice holds yet."""
    if notice is not None:
        return notice.amount
    invoiced = order.invoices.exclude(state=Invoice.State.CANCELLED).aggregate(
        s=models.Sum("amount")
    )["s"] or Decimal("0")
    return order.total - invoiced


def invoice_create(*, order: Order, invoice: Invoice, user: AbstractBaseUser) -> Invoice:
    """An invoice of ``order`` (for ``invoice.notice``'s batch, or the rest of
    the order), its amount and due date computed here under the order's
    lock, so that the invoices of an order never add up to more than it."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.state not in INVOICING_OPEN:
            raise StepNotAvailable(
                _("An order is invoiced once it ships (now “%(state)s”).")
                % {"state": locked.get_state_display()}
            )
        notice = invoice.notice
        if notice is not None and (
            notice.order_id != locked.pk
            or notice.state not in ShippingNotice.SHIPPED_STATES
            or notice.invoices.exclude(state=Invoice.State.CANCELLED).exists()
        ):
            raise ValidationError({"notice": _("Choose a shipped batch of this order.")})
        amount = invoice_amount(locked, notice)
        if amount <= 0:
            raise ValidationError({"notice": _("Everything on this order has been invoiced.")})
        invoiced = invoice_amount(locked, None)
        if amount > invoiced:
            raise ValidationError(
                {"notice": _("This batch is more than what is left to invoice on the order.")}
            )
        invoice.order = locked
        invoice.customer_id = locked.customer_id
        invoice.salesperson_id = locked.salesperson_id
        invoice.currency = locked.currency
        invoice.amount = amount
        invoice.due_date = invoice.invoice_date + dt.timedelta(days=locked.payment_days or 0)
        record_start(record=invoice, user=user)
    return invoice


def payment_add(*, record: Invoice, user: AbstractBaseUser, data: dict[str, Any]) -> None:
    """Effect of "Record a payment" on the locked invoice (the form checked
    the amount against its balance): the payment, the paid amount, and the
    invoice paid once nothing is owed."""
    Payment.objects.create(
        invoice=record,
        paid_on=data["paid_on"],
        amount=data["amount"],
        bank_reference=data.get("bank_reference", ""),
        recorded_by=user,
    )
    record.paid_amount = record.paid_amount + data["amount"]
    Invoice.objects.filter(pk=record.pk).update(paid_amount=record.paid_amount)
    if record.balance <= 0:
        transition_follow(record=record, name="settle", user=user)


def invoice_settled(*, record: Invoice, user: AbstractBaseUser, data: Any) -> None:
    """Effect of an invoice paid: the order is paid once everything has
    shipped and every invoice is paid."""
    transition_follow(record=record.order, name="mark_paid", user=user, comment=record.reference)


def contact_add(*, record: Invoice, user: AbstractBaseUser, data: dict[str, Any]) -> None:
    ContactLog.objects.create(
        invoice=record,
        contacted_on=data["contacted_on"],
        how=data["how"],
        contact_person=data.get("contact_person", ""),
        note=data["note"],
        promised_on=data.get("promised_on"),
        recorded_by=user,
    )


def invoices_overdue_note(*, now: dt.datetime, period: str) -> int:
    """The seed's payment follow-up (货款到账跟进), once a day: the
    salesperson and finance hear of each invoice past its due date (the
    deadline scan's reminders say the same step by step; this is the day's
    list). Returns how many were told."""
    today = timezone.localdate(now)
    finance = list(role_members("finance"))
    told = 0
    overdue = Invoice.objects.filter(state=Invoice.State.ISSUED, due_date__lt=today)
    for invoice in overdue.select_related("customer", "salesperson").order_by("due_date", "pk"):
        users = [invoice.salesperson, *finance]
        told += tell(
            users,
            f"invoice-overdue:{invoice.pk}:{period}",
            invoice,
            "orders/emails/invoice_overdue.txt",
            {
                "invoice_no": invoice.invoice_no,
                "customer": invoice.customer.name,
                "days": (today - invoice.due_date).days,
                "currency": invoice.currency,
                "balance": f"{invoice.balance:,.2f}",
            },
        )
    return told
