"""Writes of customer returns (客户退货): registering a return on a shipped
batch, and the effects of its remedies (the replacement batch, the credit
note)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows.services import StepNotAvailable, owner_check, record_start, transition_follow

from .models import (
    CreditNote,
    CustomerReturn,
    Invoice,
    ReturnLine,
    ShippingLine,
    ShippingNotice,
    returned_quantities,
)


def return_register(
    *,
    notice: ShippingNotice,
    record: CustomerReturn,
    quantities: dict[int, Decimal],
    user: AbstractBaseUser,
) -> CustomerReturn:
    """A registered return of ``quantities`` (shipping line pk → quantity) of
    the shipped batch ``notice``. Under the batch's lock, so that two returns
    registered at once never together return more than shipped: each line's
    quantity is at most what shipped less what earlier returns (not withdrawn
    or refused) hold. Raises ValidationError keyed by the line's pk,
    StepNotAvailable for a batch that has not shipped."""
    with transaction.atomic():
        locked = ShippingNotice.objects.select_for_update().get(pk=notice.pk)
        if locked.state not in ShippingNotice.SHIPPED_STATES:
            raise StepNotAvailable(
                _("Only a shipped batch can be returned (this one is “%(state)s”).")
                % {"state": locked.get_state_display()}
            )
        if not quantities:
            raise ValidationError({None: _("Enter the quantity returned of at least one line.")})
        lines = {line.pk: line for line in locked.lines.select_related("order_line")}
        returned = returned_quantities(locked)
        errors: dict[Any, list[Any]] = {}
        for pk, quantity in quantities.items():
            if pk not in lines:
                errors[pk] = [_("This line is not in the batch.")]
                continue
            left = lines[pk].quantity - returned.get(pk, Decimal("0"))
            if quantity > left:
                errors[pk] = [
                    _(
                        "At most %(left)s %(unit)s of this line can be returned: "
                        "%(shipped)s shipped, %(returned)s returned already."
                    )
                    % {
                        "left": f"{left:,.2f}",
                        "unit": lines[pk].order_line.unit,
                        "shipped": f"{lines[pk].quantity:,.2f}",
                        "returned": f"{returned.get(pk, Decimal('0')):,.2f}",
                    }
                ]
        if errors:
            raise ValidationError(errors)
        record.notice = locked
        record.order_id = locked.order_id
        record.customer_id = locked.customer_id
        record.salesperson_id = locked.salesperson_id
        owner_check(record, user)
        record_start(record=record, user=user)
        rows = []
        for pk, quantity in sorted(
            quantities.items(), key=lambda kv: lines[kv[0]].order_line.position
        ):
            row = ReturnLine(customer_return=record, shipping_line=lines[pk], quantity=quantity)
            row.compute(lines[pk])
            rows.append(row)
        ReturnLine.objects.bulk_create(rows)
        record.amount = sum((r.amount for r in rows), Decimal("0"))
        CustomerReturn.objects.filter(pk=record.pk).update(amount=record.amount)
    return record


def replacement_draft(
    *, record: CustomerReturn, user: AbstractBaseUser, data: dict[str, Any]
) -> ShippingNotice:
    """Effect of "Draft the replacement batch": a shipping notice, drafted,
    for the returned quantities, which then goes through finance's review
    and shipping like any batch."""
    notice = record.notice
    replacement = ShippingNotice(
        state=ShippingNotice.State.DRAFT,
        order_id=record.order_id,
        customer_id=record.customer_id,
        salesperson_id=record.salesperson_id,
        ship_date=data["ship_date"],
        delivery_address=notice.delivery_address,
        remarks=gettext("Replacement for the return %(ref)s of %(notice)s.")
        % {"ref": record.reference, "notice": notice.reference},
    )
    record_start(record=replacement, user=user, comment=record.reference)
    rows = []
    for line in record.lines.select_related("shipping_line__order_line"):
        order_line = line.shipping_line.order_line
        row = ShippingLine(notice=replacement, order_line=order_line, quantity=line.quantity)
        row.compute(order_line)
        rows.append(row)
    ShippingLine.objects.bulk_create(rows)
    replacement.amount = sum((r.amount for r in rows), Decimal("0"))
    ShippingNotice.objects.filter(pk=replacement.pk).update(amount=replacement.amount)
    record.replacement = replacement
    CustomerReturn.objects.filter(pk=record.pk).update(replacement=replacement)
    return replacement


def credit_note_issue(
    *, record: CustomerReturn, user: AbstractBaseUser, data: dict[str, Any]
) -> None:
    """Effect of "Issue the credit note": a credit note of the return's value
    against the chosen invoice, whose open balance (and so the customer's
    receivables) goes down by exactly that amount; an invoice it clears is
    paid. Checked again under the invoice's lock."""
    invoice = Invoice.objects.select_for_update().get(pk=data["invoice"].pk)
    if invoice.state != Invoice.State.ISSUED or invoice.order_id != record.order_id:
        raise StepNotAvailable(_("Choose an open invoice of this order."))
    if invoice.balance < record.amount:
        raise StepNotAvailable(
            _("This invoice's open balance is %(b)s, less than the return's %(a)s.")
            % {"b": f"{invoice.balance:,.2f}", "a": f"{record.amount:,.2f}"}
        )
    try:
        with transaction.atomic():
            CreditNote.objects.create(
                customer_return=record,
                invoice=invoice,
                number=data["number"],
                issued_on=data["issued_on"],
                amount=record.amount,
                issued_by=user,
            )
    except IntegrityError:  # the same number saved meanwhile by someone else
        raise StepNotAvailable(_("A credit note with this number exists already.")) from None
    invoice.credited_amount = invoice.credited_amount + record.amount
    Invoice.objects.filter(pk=invoice.pk).update(credited_amount=invoice.credited_amount)
    record.invoice = invoice
    CustomerReturn.objects.filter(pk=record.pk).update(invoice=invoice)
    if invoice.balance <= 0:
        transition_follow(record=invoice, name="settle", user=user, comment=data["number"])
