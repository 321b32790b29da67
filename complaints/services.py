"""Writes of the complaints app beyond a complaint's own fields: the D1
team told, an action opened as its own record, and a round kept when the
complaint is reopened."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from workflows.notify.messages import tell
from workflows.services import record_start

from .models import Complaint, ComplaintAction, ComplaintRound

TEAM_TEMPLATE = "complaints/emails/team_member.txt"


def team_set(*, record: Complaint, user: AbstractBaseUser, data: dict[str, Any]) -> None:
    """Effect of D1–D3: the team is the one chosen, and each new member is told."""
    team = list(data.get("team") or [])
    before = set(record.team.values_list("pk", flat=True))
    record.team.set(team)
    new = [member for member in team if member.pk not in before]
    tell(new, f"complaint-team:{record.pk}:{record.round}", record, TEAM_TEMPLATE, {})


def action_add(
    *, record: Complaint, user: AbstractBaseUser, data: dict[str, Any]
) -> ComplaintAction:
    """Effect of “Add an action”: the action is its own record, in its owner's
    inbox, due on its date."""
    action = ComplaintAction(
        complaint=record,
        round=record.round,
        kind=data["kind"],
        action=data["action"],
        owner=data["owner"],
        due_date=data["due_date"],
    )
    return record_start(record=action, user=user, comment=record.reference)


def complaint_reopen(*, record: Complaint, user: AbstractBaseUser, data: dict[str, Any]) -> None:
    """Effect of a reopening (the customer not satisfied, or the actions not
    effective): the round as it stood is kept, and the next one starts with
    the same 8D to revise, without its solution's author and approver (the
    last reply stays until the next one)."""
    ComplaintRound.objects.create(
        complaint=record,
        number=record.round,
        problem="\n".join(
            part
            for part in (
                record.problem_what,
                record.problem_where,
                record.problem_when,
                str(record.problem_how_many or ""),
            )
            if part
        ),
        containment=record.containment,
        occurrence_whys=record.whys("occurrence"),
        occurrence_category=record.occurrence_category,
        escape_whys=record.whys("escape"),
        escape_category=record.escape_category,
        solution=record.solution,
        solution_by=record.solution_by,
        approved_by=record.approved_by,
        reply=record.reply,
        reply_on=record.reply_on,
        effectiveness=record.effectiveness,
        reopened_because=(data.get("effectiveness") or data.get("reply") or "").strip(),
        reopened_at=timezone.now(),
    )
    record.round += 1
    record.solution_by = None
    record.approved_by = None
    record.approved_at = None
    record.closed_at = None
    Complaint.objects.filter(pk=record.pk).update(
        round=record.round,
        solution_by=None,
        approved_by=None,
        approved_at=None,
        closed_at=None,
    )
