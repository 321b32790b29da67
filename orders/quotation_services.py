"""Writes of the quotation process beyond a step: the quotation's head and
lines saved by sales, operations' figures, the effects of its steps (a
revision frozen on approval, leadership told of a major negotiation, the
order opened when it is won) and the daily expiry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.notify.messages import tell
from workflows.revisions import freeze
from workflows.roles import role_members
from workflows.services import (
    STALE_MESSAGE,
    StaleRecord,
    StepNotAvailable,
    record_start,
    transition_follow,
)

from .models import Order, OrderLine, Quotation, QuotationLine
from .quotation_forms import CostFormSet, QuotationEntry

FROZEN_MESSAGE = _(
    "This revision is frozen: changes are made in a new revision (“Start a new revision”)."
)
# Sales' fields of a line; a line whose product or model changes loses
# operations' figures, which were given for the old one.
SALES_FIELDS = (
    "product",
    "spec",
    "parameters",
    "unit",
    "quantity",
    "unit_price",
    "tax_rate",
    "delivery_days",
)


def _lock(quotation: Quotation, seen_seq: int) -> Quotation:
    locked = Quotation.objects.select_for_update().get(pk=quotation.pk)
    if locked.step_seq != seen_seq:
        raise StaleRecord(STALE_MESSAGE)
    return locked


def quotation_save(
    *, quotation: Quotation, entry: QuotationEntry, user: AbstractBaseUser, seen_seq: int
) -> Quotation:
    """Save the head and lines of a quotation being prepared, under its lock.
    Lines keep their position; operations' figures stay on a line whose
    product and model are unchanged. Raises StaleRecord, StepNotAvailable (a
    frozen revision) or PermissionDenied."""
    with transaction.atomic():
        locked = _lock(quotation, seen_seq)
        if locked.state not in Quotation.EDITABLE_STATES:
            raise StepNotAvailable(FROZEN_MESSAGE)
        if not locked.may_edit(user):
            raise PermissionDenied(_("Only the quotation's salesperson changes it."))
        head = entry.form.cleaned_data
        for name in entry.form._meta.fields:
            setattr(locked, name, head[name])
        locked.save(update_fields=list(entry.form._meta.fields))
        existing = {line.position: line for line in locked.lines.all()}
        kept = entry.kept_lines()
        for position, data in enumerate(kept, start=1):
            line = existing.pop(position, None)
            if line is None:
                line = QuotationLine(quotation=locked, position=position)
            elif (line.product, line.spec) != (data["product"], data["spec"]):
                line.purchase_price = line.lead_time_days = None
                line.costed_by, line.costed_at = None, None
            for name in SALES_FIELDS:
                setattr(line, name, data[name])
            line.compute()
            line.save()
        QuotationLine.objects.filter(pk__in=[line.pk for line in existing.values()]).delete()
        locked.recompute()
    return locked


def quotation_costs_save(
    *, quotation: Quotation, formset: CostFormSet, user: AbstractBaseUser, seen_seq: int
) -> int:
    """Operations' models, purchase prices and lead times, each changed line
    marked with who gave its figures and when. Returns how many lines changed."""
    with transaction.atomic():
        locked = _lock(quotation, seen_seq)
        if locked.state not in Quotation.COSTING_STATES:
            raise StepNotAvailable(
                _("Figures are given while the quotation is prepared (now “%(state)s”).")
                % {"state": locked.get_state_display()}
            )
        if not locked.may_cost(user):
            raise PermissionDenied(_("Operations give the purchase prices and lead times."))
        changed = 0
        now = timezone.now()
        for form in formset.forms:
            if not form.has_changed():
                continue
            line = form.save(commit=False)
            if line.quotation_id != locked.pk:
                raise PermissionDenied(_("That line is not on this quotation."))
            line.costed_by, line.costed_at = user, now
            line.save()
            changed += 1
    return changed


# --- Effects of steps --------------------------------------------------------------------


def quotation_approve(*, record: Quotation, user: AbstractBaseUser, data: dict[str, Any]) -> None:
    """Leadership approved: the quotation as it is now is frozen as its next
    revision (the original, then Rev A, B, …), the one that may be printed,
    sent and signed."""
    revision = freeze(record, by=user, note=data.get("comment", ""))
    record.approved_number = revision.number
    Quotation.objects.filter(pk=record.pk).update(approved_number=revision.number)


def quotation_negotiated(
    *, record: Quotation, user: AbstractBaseUser, data: dict[str, Any]
) -> None:
    """The marketing manager hears of each note (the step's notification);
    leadership too when the quotation is major (重大合同需向公司领导请示)."""
    if not record.is_major:
        return
    tell(
        role_members("gm"),
        f"quotation-major:{record.pk}:{record.step_seq}",
        record,
        "orders/emails/quotation_major.txt",
        {"total": f"{record.total:,.2f}", "currency": record.currency},
        new_key=True,
    )


def quotation_won(*, record: Quotation, user: AbstractBaseUser, data: dict[str, Any]) -> Order:
    """The approved revision becomes an order at “received”: customer, terms
    and lines copied, linked both ways. Under the quotation's lock (taken by
    the step): a second submission finds the step taken or the order there."""
    if record.order_id is not None:
        raise StepNotAvailable(_("The quotation already has its order."))
    order = Order(
        customer=record.customer,
        salesperson=record.salesperson,
        channel=Order.Channel.QUOTATION,
        currency=record.currency,
        deposit_percent=record.deposit_percent,
        payment_days=record.payment_days,
        remarks=f"{record.reference} {record.revision_name}: {record.title}",
    )
    record_start(record=order, user=user)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            position=line.position,
            product=line.product,
            spec=line.spec,
            unit=line.unit,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
        )
        for line in record.lines.all()
    )
    order.recompute()
    record.order = order
    Quotation.objects.filter(pk=record.pk).update(order=order)
    return order


# --- The daily expiry --------------------------------------------------------------------


def quotations_expire(*, now: dt.datetime, period: str) -> int:
    """Quotations past their validity date expire (the reminders came
    before, from the step's deadline); returns how many."""
    today = timezone.localdate(now)
    due = Quotation.objects.filter(
        state__in=[Quotation.State.APPROVED, Quotation.State.SENT, Quotation.State.NEGOTIATING],
        valid_until__lt=today,
    ).order_by("pk")
    expired = 0
    for quotation in due:
        with transaction.atomic():
            if transition_follow(
                record=quotation,
                name="quote_expire",
                user=None,
                comment=str(_("Validity date passed.")),
            ):
                expired += 1
    return expired
