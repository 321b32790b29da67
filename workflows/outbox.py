"""The transactional outbox: work for a worker is written in the same
transaction as the change that calls for it, queued after the commit, and
done exactly once.

If the broker is away when the transaction commits, the request still
succeeds (publishing fails fast) and the entry waits; the next delivery run,
or a worker that starts, does it. A worker killed half-way through an entry
rolls its work back with the entry, so it is done again in full, once.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Outbox

logger = logging.getLogger(__name__)


# The Celery task (workflows.tasks) that does one entry; tasks are found by
# name in the Celery app's registry, so that this layer imports none of them.
DELIVER_OUTBOX = "workflows.tasks.deliver_outbox"


def enqueue(task: str, *args: Any) -> bool:
    """Queue the task named ``task``; a broker that is down is logged, never
    raised into a request."""
    try:
        current_app.tasks[task].apply_async(args=args, retry=False)
    except Exception:  # the broker's errors are many and transport-specific
        logger.exception("could not queue %s%r", task, args)
        return False
    return True


def outbox_add(task: str, *args: int | str) -> Outbox:
    """Record work for ``task`` in the caller's transaction; queue it on commit."""
    entry = Outbox.objects.create(task=task, args=list(args))
    transaction.on_commit(lambda: enqueue(DELIVER_OUTBOX, entry.pk))
    return entry


def outbox_run(pk: int) -> bool:
    """Do one entry, unless another worker holds it or it is done: True if done here.

    A failure rolls back the entry's work, counts the attempt and raises.
    """
    try:
        with transaction.atomic():
            entry = (
                Outbox.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, done_at__isnull=True)
                .first()
            )
            if entry is None:
                return False
            current_app.tasks[entry.task].run(*entry.args)
            entry.done_at = timezone.now()
            entry.save(update_fields=["done_at"])
    except Exception as error:
        Outbox.objects.filter(pk=pk).update(
            attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    return True


def outbox_sweep(limit: int = 500) -> int:
    """Do the entries still waiting (the broker was away, or a worker died),
    except those that failed too often."""
    pending = list(
        Outbox.objects.filter(done_at__isnull=True, attempts__lt=Outbox.MAX_ATTEMPTS)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in pending:
        try:
            done += outbox_run(pk)
        except Exception:  # one bad entry must not hold up the others
            logger.exception("outbox entry %s failed", pk)
    return done
