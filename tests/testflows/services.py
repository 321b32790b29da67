from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from workflows.services import record_start

from .models import Job


def job_redo(*, record: Job, user: AbstractBaseUser, data: dict[str, Any]) -> Job:
    """Open a new job, planned, that redoes the rejected one."""
    new = Job(
        state=Job.State.PLANNED,
        kind=record.kind,
        customer=record.customer,
        requester=record.requester,
        title=record.title,
        quantity=record.quantity,
        details=record.details,
        plan=record.plan,
        planner=record.planner,
        due_date=data["due_date"],
        previous=record,
    )
    return record_start(
        record=new,
        user=user,
        name="redo",
        comment=record.feedback and f"{record.reference}: {record.feedback}",
        due="due_date",
    )
