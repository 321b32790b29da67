"""The writes of contract changes (合同更改单): drafting a change with its
proposed lines, carrying the departments' earlier approvals forward into the
re-review, and applying a confirmed change as the order's next revision."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from orders.models import (
    ChangeBatch,
    ChangeLine,
    ContractChange,
    DeliveryBatch,
    Order,
    OrderLine,
)
from workflows.models import SignOff
from workflows.revisions import freeze
from workflows.services import record_start


def change_draft(
    *,
    order: Order,
    user: Any,
    terms: dict[str, Any],
    lines: list[dict[str, Any]],
    batches: list[dict[str, Any]] | None = None,
) -> ContractChange:
    """Open a change of ``order`` proposing ``terms`` (requested_by, reason,
    deposit_percent, payment_days), ``lines`` (each with its position; a new
    position is a new line) and delivery ``batches`` (each with its line's
    position, delivery_date and quantity; None keeps the order's batches of
    the lines kept). The caller has validated them (``orders.change_forms``)."""
    if batches is None:
        kept = {row["position"] for row in lines}
        batches = [
            {"position": b.line.position, "delivery_date": b.delivery_date, "quantity": b.quantity}
            for b in order.batches.select_related("line")
            if b.line.position in kept
        ]
    with transaction.atomic():
        change = record_start(
            record=ContractChange(
                order=order, customer=order.customer, salesperson=order.salesperson, **terms
            ),
            user=user,
        )
        saved = ChangeLine.objects.bulk_create(ChangeLine(change=change, **row) for row in lines)
        by_position = {line.position: line for line in saved}
        ChangeBatch.objects.bulk_create(
            ChangeBatch(
                line=by_position[b["position"]],
                delivery_date=b["delivery_date"],
                quantity=b["quantity"],
            )
            for b in batches
        )
        change.recompute()
    return change


def latest_approvals(order: Order) -> dict[str, SignOff]:
    """Each department's latest agreeing decision on the order's contract:
    the contract review's, or a later applied change's re-review."""
    order_ct = ContentType.objects.get_for_model(Order)
    change_ct = ContentType.objects.get_for_model(ContractChange)
    applied = list(
        ContractChange.objects.filter(
            order=order,
            state__in=(ContractChange.State.APPLIED, ContractChange.State.DOWNSTREAM_ACK),
        ).values_list("pk", flat=True)
    )
    rows = (
        SignOff.objects.filter(decision__in=SignOff.AGREEING)
        .filter(
            Q(content_type_id=order_ct.pk, object_id=order.pk, state=Order.State.CONTRACT_REVIEW)
            | Q(content_type_id=change_ct.pk, object_id__in=applied, state="re_review")
        )
        .select_related("user")
        .order_by("signed_at", "pk")
    )
    return {row.role: row for row in rows}


def carry_forward(*, record: ContractChange, user: Any, data: dict[str, Any]) -> None:
    """The effect of the manager's approval: the departments the change does
    not concern keep their earlier approval, signed again here in their name
    with a note saying so; the others are asked (``record.asked``). A
    department with no earlier approval is asked too."""
    asked = set(record.asked)
    earlier = latest_approvals(record.order)
    ct = ContentType.objects.get_for_model(ContractChange)
    spec = record.current_sign_off_step()
    carried = []
    for role in spec.roles if spec else ():
        previous = earlier.get(role)
        if role in asked or previous is None:
            continue
        carried.append(
            SignOff(
                content_type=ct,
                object_id=record.pk,
                state=record.state,
                step_seq=record.step_seq,
                role=role,
                user=previous.user,
                decision=previous.decision,
                comment=_("Carried forward: approved on %(date)s; this change does not concern it.")
                % {"date": date_format(previous.signed_at, "Y-m-d")}
                + (f"\n{previous.comment}" if previous.comment else ""),
            )
        )
    SignOff.objects.bulk_create(carried)
    asked_now = [r for r in (spec.roles if spec else ()) if r in asked or r not in earlier]
    if asked_now != record.asked:
        record.review_roles = ",".join(asked_now)
        ContractChange.objects.filter(pk=record.pk).update(review_roles=record.review_roles)


def freeze_original(order: Order, user: Any) -> None:
    """Keep the order as its contract was approved as its original revision,
    once (the caller holds the order's row lock)."""
    if not order.revisions.exists():
        freeze(order, by=user, note=_("As approved in contract review."))


def contract_approved(*, record: Order, user: Any, data: dict[str, Any]) -> None:
    """The effect of the contract's last approval (the marketing manager's,
    or leadership's for a major order): the order as approved is frozen as
    its original revision, which every later change is compared with."""
    freeze_original(record, user)


def apply_change(*, record: ContractChange, user: Any, data: dict[str, Any]) -> None:
    """The effect of the customer's confirmation: the order, locked, keeps its
    current terms as its original revision if it has none yet (an order
    approved before originals were frozen at approval), takes the
    proposed terms and lines, recomputes its amounts and is frozen as its
    next revision, which the change names."""
    order = Order.objects.select_for_update().get(pk=record.order_id)
    # An order approved before originals were frozen at approval gets its
    # original here, as it stands before its first change.
    freeze_original(order, user)
    current = {line.position: line for line in order.lines.all()}
    proposed = {line.position: line for line in record.lines.prefetch_related("batches")}
    fields = Order.revision_lines.fields
    order.batches.all().delete()  # the proposed lines' batches replace them
    for position, line in current.items():
        if position not in proposed:
            line.delete()
    saved_batches = []
    for position, new in proposed.items():
        line = current.get(position)
        if line is None:
            line = OrderLine.objects.create(
                order=order, position=position, **{f: getattr(new, f) for f in fields}
            )
        else:
            for f in fields:
                setattr(line, f, getattr(new, f))
            line.save(update_fields=list(fields))
        saved_batches += [
            DeliveryBatch(
                order=order, line=line, delivery_date=b.delivery_date, quantity=b.quantity
            )
            for b in new.batches.all()
        ]
    DeliveryBatch.objects.bulk_create(saved_batches)
    order.deposit_percent = record.deposit_percent
    order.payment_days = record.payment_days
    Order.objects.filter(pk=order.pk).update(
        deposit_percent=record.deposit_percent, payment_days=record.payment_days
    )
    order.recompute()
    revision = freeze(order, by=user, note=_("Contract change %(ref)s") % {"ref": record.reference})
    record.applied_revision = revision
    ContractChange.objects.filter(pk=record.pk).update(applied_revision=revision)


def order_revision_rows(order: Order) -> list[tuple[Any, Any, Any]]:
    """The order's revisions, each with the change that made it (or None)
    and its difference from the one before."""
    revisions = list(order.revisions.select_related("created_by").order_by("number"))
    changes = {
        c.applied_revision_id: c
        for c in ContractChange.objects.filter(order=order, applied_revision__isnull=False)
    }
    rows = []
    previous = None
    for revision in revisions:
        rows.append(
            (
                revision,
                changes.get(revision.pk),
                revision.diff_from(previous) if previous else None,
            )
        )
        previous = revision
    return rows
