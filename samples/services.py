"""Writes of the samples app that go beyond one record's own fields."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from workflows.services import record_start

from .models import SampleOrder


def sample_start_next_round(
    *, record: SampleOrder, user: AbstractBaseUser, data: dict[str, Any]
) -> SampleOrder:
    """Open the next round of a rejected sample at “work order issued”.

    Runs inside the re-order transition's transaction: the new round carries
    the sample's details, the customer's feedback on the round before and the
    salesperson's changes, and starts with its own audit entry.
    """
    changes = (data.get("changes") or "").strip()
    feedback = record.customer_feedback.strip()
    requirements = record.requirements
    if changes:
        requirements = f"{requirements}\n\n[{record.reference}] {changes}"
    new = SampleOrder(
        state=SampleOrder.State.ORDERED,
        customer=record.customer,
        salesperson=record.salesperson,
        created_by=user,
        product_name=record.product_name,
        product_code=record.product_code,
        quantity=record.quantity,
        requirements=requirements,
        materials=record.materials,
        due_date=data["due_date"],
        production_plan=record.production_plan,
        # The re-order reissues the work order with the earlier clerk's plan.
        order_clerk=record.order_clerk,
        work_order_issued_at=timezone.now(),
        round=record.round + 1,
        previous_round=record,
        customer_feedback="",
    )
    return record_start(
        record=new,
        user=user,
        name="new_round",
        comment=feedback and f"{record.reference}: {feedback}",
        due=SampleOrder.step_of("issue_work_order").due,
    )
