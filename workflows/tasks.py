"""Celery tasks of the engine. They take keys, reload, and are safe to run twice."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_fsm_log.models import StateLog

from .declarations import step_of
from .models import Notification, WorkflowModel
from .registry import transition_codename

logger = logging.getLogger(__name__)


def enqueue(task: Any, *args: Any) -> bool:
    """Queue a task; a broker that is down is logged, never raised into a request."""
    try:
        task.apply_async(args=args, retry=False)
    except Exception:  # the broker's errors are many and transport-specific
        logger.exception("could not queue %s%r", task.name, args)
        return False
    return True


def _holders(ct: ContentType, codenames: set[str]) -> Q:
    """Users granted any of these permissions, through a group or directly."""
    perms = Q(permissions__content_type=ct, permissions__codename__in=codenames)
    return Q(groups__in=Group.objects.filter(perms)) | Q(
        user_permissions__content_type=ct, user_permissions__codename__in=codenames
    )


def step_recipients(record: WorkflowModel) -> list[Any]:
    """Users who can act on the record's current step, and its owner.

    A step with a record rule (only the salesperson) counts only the users
    the rule lets act on this record, not everyone holding the role.
    """
    model = type(record)
    ct = ContentType.objects.get_for_model(model)
    users = get_user_model().objects.filter(is_active=True)
    free: set[str] = set()
    ruled: list[tuple[str, Any]] = []
    roles: set[str] = set()
    for t in record.expected_transitions():
        step = step_of(t)
        roles.update(step.notify)
        if step.rule is None:
            free.add(transition_codename(t.name))
        else:
            ruled.append((transition_codename(t.name), step.rule))
    spec = record.current_sign_off_step()
    if spec:
        roles.update(spec.roles)
    who = Q(groups__name__in=roles) | Q(pk=record.owner_id)
    if free:
        who |= _holders(ct, free)
    found = {u.pk: u for u in users.filter(who).distinct()}
    for codename, rule in ruled:
        for user in users.filter(_holders(ct, {codename})).distinct():
            if user.pk not in found and rule.allows(record, user):
                found[user.pk] = user
    return sorted(found.values(), key=lambda u: u.pk)


@shared_task(acks_late=True)
def notify_step(content_type_id: int, object_id: int, step_seq: int) -> int:
    """Tell everyone concerned that a record entered a step. Returns how many were told."""
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    record = model.objects.filter(pk=object_id).first()
    if record is None or record.step_seq != step_seq:
        return 0  # the record moved on; the newer step has its own notification
    log = StateLog.objects.for_(record).order_by("-pk").first()
    actor_id = log.by_id if log else None
    sent = 0
    for user in step_recipients(record):
        if user.pk == actor_id:
            continue
        key = f"step:{content_type_id}:{object_id}:{step_seq}"
        if tell(user, key, record, "emails/step_entered.txt", {"log": log}):
            sent += 1
    return sent


def tell(
    user: Any, key: str, record: WorkflowModel, template: str, context: dict[str, Any]
) -> bool:
    """Notify ``user`` in the app and by email, once per ``key``; False if
    they were told already."""
    with translation.override(settings.LANGUAGE_CODE):
        message = render_to_string(template, {"record": record, "user": user, **context}).strip()
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                recipient=user,
                key=key,
                content_type=ContentType.objects.get_for_model(record),
                object_id=record.pk,
                message=message.splitlines()[0][:500],
                url=record.get_absolute_url(),
            )
    except IntegrityError:
        return False  # already told: a retried or duplicated task
    if user.email:
        send_mail(
            subject=note.message, message=message, from_email=None, recipient_list=[user.email]
        )
        Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
    return True


@shared_task(acks_late=True)
def scan_deadlines() -> int:
    """The periodic scan of every process's step deadlines (django-celery-beat)."""
    from .reminders import reminders_scan

    return reminders_scan()
