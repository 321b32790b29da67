"""Two people act on the same record at the same moment: the row lock lets one
through, the other is told the page was stale, and the audit trail stays true.

Needs PostgreSQL (SQLite has no row locks): run with
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django_fsm_log.models import StateLog

from tests.factories import UserFactory
from tests.kits import step_data
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from tests.workflow_checks import together
from workflows.models import SignOff
from workflows.services import StaleRecord, record_start, signoff_record, transition_perform

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def press(name: str, pk: int, user: Any) -> Any:
    """What a browser does: the page it showed (its step number), then the step."""
    page = Job.objects.get(pk=pk)
    return lambda: transition_perform(
        record=page, name=name, user=user, data=step_data(Job, name), seen_seq=page.step_seq
    )


@pytest.mark.parametrize("attempt", range(3))
def test_same_step_pressed_twice_at_once_is_taken_exactly_once(attempt):
    record = JobFactory(state="planned")
    users = UserFactory.create_batch(2, roles=["sample_room"])

    outcomes = together(*(press("start", record.pk, u) for u in users))

    winners = [o for o in outcomes if isinstance(o, Job)]
    losers = [o for o in outcomes if not isinstance(o, Job)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], StaleRecord), outcomes
    record.refresh_from_db()
    assert (record.state, record.step_seq) == ("working", 2)
    logs = StateLog.objects.for_(record).filter(transition="start")
    assert logs.count() == 1
    assert logs.get().by_id in {u.pk for u in users}


def test_two_different_steps_at_once_leave_one_consistent_state():
    # The requester cancels while the sample room starts the job.
    record = JobFactory(state="planned")
    room = UserFactory(roles=["sample_room"])

    started, cancelled = together(
        press("start", record.pk, room),
        press("cancel", record.pk, record.requester),
    )

    outcomes = {"working": started, "cancelled": cancelled}
    won = [state for state, o in outcomes.items() if isinstance(o, Job)]
    lost = [o for o in outcomes.values() if not isinstance(o, Job)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], StaleRecord)
    record.refresh_from_db()
    assert record.state == won[0]
    assert StateLog.objects.for_(record).count() == 2  # "create" and the winner


def test_records_created_at_once_get_distinct_consecutive_references():
    first = JobFactory()  # the year's counter exists

    def create() -> Job:
        return record_start(
            record=Job(
                requester_id=first.requester_id,
                customer_id=first.customer_id,
                title="Same moment",
            ),
            user=first.requester,
        )

    made = together(create, create, create)

    assert all(isinstance(m, Job) for m in made), made
    numbers = sorted(int(m.reference.rsplit("-", 1)[1]) for m in made)
    first_number = int(first.reference.rsplit("-", 1)[1])
    assert numbers == [first_number + 1, first_number + 2, first_number + 3]


def test_one_department_signing_twice_at_once_is_recorded_once():
    record = JobFactory(state="rejected")
    signers = UserFactory.create_batch(2, roles=["qa"])

    def sign(user: Any) -> Any:
        return lambda: signoff_record(
            record=Job.objects.get(pk=record.pk),
            user=user,
            role="qa",
            decision="agree",
            seen_seq=record.step_seq,
        )

    outcomes = together(sign(signers[0]), sign(signers[1]))

    assert sum(isinstance(o, SignOff) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, StaleRecord) for o in outcomes) == 1, outcomes
    assert SignOff.objects.filter(object_id=record.pk, role="qa").count() == 1
