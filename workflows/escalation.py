"""Escalation: a step that stays overdue past a role's limit goes to the
manager configured for that role (``EscalationRule``, kept in the admin).
It shows on the record and in the manager's inbox until the record leaves
the step or the role signs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .declarations import step_of
from .models import Escalation, EscalationRule, SignOff, WorkflowModel


def signatures(record: WorkflowModel) -> dict[str, dt.datetime]:
    """The departments that signed the record's current step visit, and when."""
    return dict(
        SignOff.objects.filter(
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            step_seq=record.step_seq,
        ).values_list("role", "signed_at")
    )


def step_roles(record: WorkflowModel, signed: Mapping[str, dt.datetime] | None = None) -> set[str]:
    """The roles the record's current step waits on: while departments still
    have to sign, those departments alone; otherwise the roles of the steps
    expected next. ``signed``: the step visit's signatures, when the caller
    read them already."""
    spec = record.current_sign_off_step()
    if spec:
        if signed is None:
            signed = signatures(record)
        unsigned = set(spec.roles) - set(signed)
        if unsigned:
            return unsigned
    roles: set[str] = set()
    for t in record.expected_transitions():
        roles.update(step_of(t).roles)
    return roles


def escalation_rules() -> dict[str, EscalationRule]:
    rules = EscalationRule.objects.select_related("manager", "manager__notification_settings")
    return {rule.role: rule for rule in rules.filter(manager__is_active=True)}


def escalations_due(
    record: WorkflowModel,
    now: dt.datetime,
    rules: dict[str, EscalationRule],
    done: set[tuple[int, int, str]] | frozenset = frozenset(),
    signed: Mapping[str, dt.datetime] | None = None,
) -> list[EscalationRule]:
    """The rules of the step's roles whose limit has passed at ``now`` and
    that were not escalated yet. ``done`` holds the (record, step visit,
    role) already escalated and ``signed`` the visit's signatures, both read
    in bulk by the scan.

    The limit runs from the deadline, or, for the role that acts once every
    department has signed, from the last signature if that came later: it
    could not act before.
    """
    due = record.step_due_at
    if due is None or record.is_final or now <= due:
        return []
    spec = record.current_sign_off_step()
    if spec and signed is None:
        signed = signatures(record)
    start = due
    if spec and signed and not set(spec.roles) - set(signed):
        start = max(due, *signed.values())
    return [
        rules[role]
        for role in sorted(step_roles(record, signed))
        if role in rules
        and now >= start + rules[role].after
        and (record.pk, record.step_seq, role) not in done
    ]


def escalation_send(record: WorkflowModel, rule: EscalationRule, now: dt.datetime) -> bool:
    """Escalate the step to the rule's manager and tell them, in one
    transaction; False if it was escalated before (the unique key decides
    when two scans meet)."""
    from .tasks import tell

    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                content_type=ContentType.objects.get_for_model(record),
                object_id=record.pk,
                step_seq=record.step_seq,
                role=rule.role,
                manager=rule.manager,
                due_at=record.step_due_at,
                escalated_at=now,
            )
            tell(
                [rule.manager],
                f"escalation:{escalation.pk}",
                record,
                "emails/escalation.txt",
                {"escalation": escalation},
                new_key=True,
            )
    except IntegrityError:
        return False
    return True


def escalations_resolve(record: WorkflowModel, role: str | None = None) -> int:
    """Close the record's open escalations (of one role, when it signed)."""
    qs = Escalation.objects.filter(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        resolved_at__isnull=True,
    )
    if role is not None:
        qs = qs.filter(role=role)
    return qs.update(resolved_at=timezone.now())


def record_escalations(record: WorkflowModel) -> QuerySet:
    """Every escalation of the record, for its page (the open ones and its timeline)."""
    return Escalation.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).select_related("manager")


def escalated_to(user: Any) -> list[Escalation]:
    """The open escalations a manager has to look at, oldest deadline first,
    each with its record."""
    return list(
        Escalation.objects.filter(manager=user, resolved_at__isnull=True)
        .select_related("content_type")
        .prefetch_related("record")
        .order_by("due_at", "pk")
    )
