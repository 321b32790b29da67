"""Celery tasks of the engine. They take keys, reload, and are safe to run twice."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_fsm_log.models import StateLog

from .declarations import step_of
from .models import Notification, NotificationSettings, WorkflowModel
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


def step_recipients(record: WorkflowModel, cache: dict[Any, Any] | None = None) -> list[Any]:
    """Users who can act on the record's current step, and its owner.

    A step with a record rule (only the salesperson) counts only the users
    the rule lets act on this record, not everyone holding the role. A scan
    passes a ``cache`` so that who holds a state's rights is read once.
    """
    cache = {} if cache is None else cache
    model = type(record)
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .select_related("notification_settings")
        .order_by("pk")
    )
    state_key = (model._meta.label_lower, record.state)
    if state_key not in cache:
        ct = ContentType.objects.get_for_model(model)
        free: set[str] = set()
        ruled: list[tuple[Any, list[Any]]] = []
        roles: set[str] = set()
        for t in record.expected_transitions():
            step = step_of(t)
            roles.update(step.notify)
            codename = transition_codename(t.name)
            if step.rule is None:
                free.add(codename)
            else:
                holders = list(users.filter(_holders(ct, {codename})).distinct())
                ruled.append((step.rule, holders))
        spec = record.current_sign_off_step()
        if spec:
            roles.update(spec.roles)
        who = Q(groups__name__in=roles)
        if free:
            who |= _holders(ct, free)
        cache[state_key] = ({u.pk: u for u in users.filter(who).distinct()}, ruled)
    base, ruled = cache[state_key]
    found = dict(base)
    owner_id = record.owner_id
    if owner_id is not None and owner_id not in found:
        owner_key = ("owner", owner_id)
        if owner_key not in cache:
            cache[owner_key] = users.filter(pk=owner_id).first()
        if cache[owner_key] is not None:
            found[owner_id] = cache[owner_key]
    for rule, holders in ruled:
        for user in holders:
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
    users = [u for u in step_recipients(record) if u.pk != actor_id]
    key = f"step:{content_type_id}:{object_id}:{step_seq}"
    return tell(users, key, record, "emails/step_entered.txt", {"log": log})


def tell(
    users: Any,
    key: str,
    record: WorkflowModel,
    template: str,
    context: dict[str, Any],
    *,
    new_key: bool = False,
) -> int:
    """Notify each of ``users`` in the app once per ``key``, and mark the
    email to go for those who want immediate emails; returns how many were
    told now (those told before under the key are left out).

    The message is rendered once per language (templates speak of the
    record, not the reader; each reader chooses the language in their
    settings), and the rows are written in one statement. The email goes
    after the commit (``delivery.emails_send``), so that a rolled-back
    notification never sent one.
    """
    users = list(users)
    if not users:
        return 0
    told: set[int] = set()
    if not new_key:  # a key made in this transaction (a reminder's) has told nobody yet
        told = set(
            Notification.objects.filter(key=key, recipient__in=users).values_list(
                "recipient_id", flat=True
            )
        )
    fresh = [u for u in users if u.pk not in told]
    if not fresh:
        return 0  # already told: a retried or duplicated task
    context = {"record": record, "site": settings.SITE_URL, **context}
    texts: dict[str, str] = {}  # one rendering per language
    immediate = NotificationSettings.Email.IMMEDIATE
    ct = ContentType.objects.get_for_model(record)
    notes = []
    for user in fresh:
        language = NotificationSettings.language_of(user)
        if language not in texts:
            with translation.override(language):
                texts[language] = render_to_string(template, context).strip()
        notes.append(
            Notification(
                recipient=user,
                key=key,
                content_type=ct,
                object_id=record.pk,
                message=texts[language].splitlines()[0][:500],
                body=texts[language],
                url=record.get_absolute_url(),
                email_pending=bool(user.email)
                and NotificationSettings.email_mode(user) == immediate,
            )
        )
    Notification.objects.bulk_create(
        notes,
        # Two workers telling the same people at once: the unique key keeps one each.
        ignore_conflicts=True,
    )
    return len(fresh)


def _parse_now(now: str | None) -> dt.datetime | None:
    """A task's optional clock (ISO 8601), so that a scan can be run for a given moment."""
    if not now:
        return None
    moment = dt.datetime.fromisoformat(now)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # the application's time zone
    return moment


@shared_task(acks_late=True)
def scan_deadlines(now: str | None = None) -> dict[str, int]:
    """The periodic scan of every process's step deadlines (django-celery-beat):
    reminders and escalations, then their emails."""
    from .delivery import emails_send
    from .reminders import reminders_scan

    result = reminders_scan(_parse_now(now))
    return {
        "reminders": result.reminders,
        "escalations": result.escalations,
        "emails": emails_send(),
    }


@shared_task(acks_late=True)
def deliver_outbox(pk: int) -> bool:
    """Do one outbox entry (queued when its transaction committed), then its emails."""
    from .delivery import emails_send
    from .outbox import outbox_run

    done = outbox_run(pk)
    emails_send()
    return done


@shared_task(acks_late=True)
def deliver() -> dict[str, int]:
    """Catch up: outbox entries that could not be queued, emails and today's
    digests not yet sent."""
    from .delivery import digests_retry, emails_send
    from .outbox import outbox_sweep

    return {"outbox": outbox_sweep(), "emails": emails_send(), "digests": digests_retry()}


@shared_task(acks_late=True)
def send_digests(now: str | None = None) -> int:
    """The daily digest (django-celery-beat, every morning by default)."""
    from .delivery import digests_send

    return digests_send(_parse_now(now))


@shared_task(acks_late=True)
def run_schedule(name: str, now: str | None = None) -> bool:
    """A process's scheduled job (a month's sales plan), once per period."""
    from .schedules import schedule_run

    return schedule_run(name, _parse_now(now))


@worker_ready.connect
def _catch_up_when_a_worker_starts(**kwargs: Any) -> None:
    # What waited while no worker (or no broker) was there goes out now.
    enqueue(deliver)
