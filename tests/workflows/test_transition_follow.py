"""``transition_follow``: a step that another record's step causes, taken for
the user of that step when the state and conditions allow, audited and
notified like any other; nothing written when they do not."""

from __future__ import annotations

import pytest
from django_fsm_log.models import StateLog

from tests.testflows.kit import JobFactory
from workflows.models import Outbox
from workflows.services import transition_follow

pytestmark = pytest.mark.django_db


def test_a_followed_step_is_taken_for_the_causing_user_whatever_their_role(role_user):
    job = JobFactory(state="working")
    cause = role_user("warehouse")  # no right to "submit" on a job
    seq = job.step_seq
    queued = Outbox.objects.count()

    taken = transition_follow(record=job, name="submit", user=cause, comment="SN-2026-0001")

    job.refresh_from_db()
    assert taken is True
    assert (job.state, job.step_seq) == ("checking", seq + 1)
    assert job.step_due_at is not None
    log = StateLog.objects.for_(job).order_by("-pk").first()
    assert (log.transition, log.by_id, log.description) == ("submit", cause.pk, "SN-2026-0001")
    assert Outbox.objects.count() == queued + 1  # the step's notifications


def test_a_followed_step_from_the_wrong_state_or_with_unmet_conditions_writes_nothing(role_user):
    working = JobFactory(state="working")
    rejected = JobFactory(state="rejected")  # "redo" waits for every sign-off
    user = role_user("sales")
    logs, queued = StateLog.objects.count(), Outbox.objects.count()

    assert transition_follow(record=working, name="accept", user=user) is False
    assert transition_follow(record=rejected, name="redo", user=user) is False

    working.refresh_from_db()
    rejected.refresh_from_db()
    assert (working.state, rejected.state) == ("working", "rejected")
    assert (StateLog.objects.count(), Outbox.objects.count()) == (logs, queued)
