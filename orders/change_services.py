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

from orders.models import ChangeLine, ContractChange, Order, OrderLine
from workflows.models import SignOff
from workflows.revisions import freeze
from workflows.services import record_start


def change_draft(
    *,
    order: Order,
    user: Any,
    terms: dict[str, Any],
    lines: list[dict[str, Any]],
) -> ContractChange:
    """Open a change of ``order`` proposing ``terms`` (requested_by, reason,
    deposit_percent, payment_days) and ``lines`` (each with its position; a
    new position is a new line). The caller has validated them
    (``orders.change_forms``)."""
    with transaction.atomic():
        change = record_start(
            record=ContractChange(
                order=order, customer=order.customer, salesperson=order.salesperson, **terms
            ),
            user=user,
        )
        ChangeLine.objects.bulk_create(ChangeLine(change=change, **row) for row in lines)
        change.recompute()
    return change


def latest_approvals(order: Order) -> dict[str, SignOff]:
    """Each department's latest agreeing decision on the order's contract:
    the contract review's, or a later applied change's re-review."""
    order_ct = ContentType.objects.get_for_model(Order)
    change_ct = ContentType.objects.get_for_model(ContractChange)
    applied = list(
        ContractChange.objects.filter(order=order, state=ContractChange.State.APPLIED).values_list(
            "pk", flat=True
        )
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


def apply_change(*, record: ContractChange, user: Any, data: dict[str, Any]) -> None:
    """The effect of the customer's confirmation: the order, locked, keeps its
    current terms as its original revision if it has none yet, takes the
    proposed terms and lines, recomputes its amounts and is frozen as its
    next revision, which the change names."""
    order = Order.objects.select_for_update().get(pk=record.order_id)
    if not order.revisions.exists():
        freeze(order, by=user, note=_("As approved in contract review."))
    current = {line.position: line for line in order.lines.all()}
    proposed = {line.position: line for line in record.lines.all()}
    fields = Order.revision_lines.fields
    for position, line in current.items():
        if position not in proposed:
            line.batches.all().delete()
            line.delete()
    for position, new in proposed.items():
        line = current.get(position)
        if line is None:
            OrderLine.objects.create(
                order=order, position=position, **{f: getattr(new, f) for f in fields}
            )
        else:
            for f in fields:
                setattr(line, f, getattr(new, f))
            line.save(update_fields=list(fields))
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
