"""Celery tasks of the engine: thin entry points that take keys and call the
notify, outbox and schedules layers. They are safe to run twice. Their
names (``workflows.tasks.<name>``) are stored by the outbox and by
django-celery-beat, so they do not change."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from .notify.email import digests_retry, digests_send, emails_send
from .notify.messages import step_entered_tell
from .notify.scan import reminders_scan_alone
from .outbox import enqueue, outbox_run, outbox_sweep
from .schedules import schedule_run

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def notify_step(content_type_id: int, object_id: int, step_seq: int) -> int:
    """Tell everyone concerned that a record entered a step. Returns how many were told."""
    return step_entered_tell(content_type_id, object_id, step_seq)


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
    reminders and escalations, then their emails. One started while another
    is still running ends at once (``skipped``)."""
    result = reminders_scan_alone(_parse_now(now))
    if result.skipped:
        return {"reminders": 0, "escalations": 0, "emails": 0, "skipped": 1}
    return {
        "reminders": result.reminders,
        "escalations": result.escalations,
        "emails": emails_send(),
    }


@shared_task(acks_late=True)
def deliver_outbox(pk: int) -> bool:
    """Do one outbox entry (queued when its transaction committed), then its emails."""
    done = outbox_run(pk)
    emails_send()
    return done


@shared_task(acks_late=True)
def deliver() -> dict[str, int]:
    """Catch up: outbox entries that could not be queued, emails and today's
    digests not yet sent."""
    return {"outbox": outbox_sweep(), "emails": emails_send(), "digests": digests_retry()}


@shared_task(acks_late=True)
def send_digests(now: str | None = None) -> int:
    """The daily digest (django-celery-beat, every morning by default)."""
    return digests_send(_parse_now(now))


@shared_task(acks_late=True)
def run_schedule(name: str, now: str | None = None) -> bool:
    """A process's scheduled job (a month's sales plan), once per period."""
    return schedule_run(name, _parse_now(now))


@worker_ready.connect
def _catch_up_when_a_worker_starts(**kwargs: Any) -> None:
    # What waited while no worker (or no broker) was there goes out now.
    enqueue(deliver.name)
