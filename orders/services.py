"""Writes of the orders app beyond a step: the order contract form saved with
its lines and batches, and customers with their contacts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from workflows.rights import may_create_for_others
from workflows.services import STALE_MESSAGE, StaleRecord, StepNotAvailable, record_start

from .forms import ContactFormSet, CustomerForm, OrderEntry
from .models import EDITABLE_STATES, Customer, DeliveryBatch, Order, OrderLine


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
    if order.salesperson_id != user.pk and not may_create_for_others(user, Order):
        raise PermissionDenied(_("You may open a record only in your own name."))
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
