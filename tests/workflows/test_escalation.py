"""Escalation: a step left overdue past its role's limit goes, once, to the
manager of that role; it stays open until the record leaves the step or the
role signs, and a new visit of the step may escalate again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import UserFactory
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from tests.workflow_checks import together
from workflows.models import Escalation, EscalationRule, Notification, SignOff
from workflows.notify.scan import reminders_scan
from workflows.selectors import escalated_to, record_escalations, waiting_roles
from workflows.services import signoff_record

NOW = timezone.make_aware(dt.datetime(2026, 11, 26, 10, 0))
SECOND = dt.timedelta(seconds=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
LIMIT = 2 * DAY  # EscalationRule.after by default


def due_at(record: Job, when: dt.datetime) -> Job:
    Job.objects.filter(pk=record.pk).update(step_due_at=when)
    record.refresh_from_db()
    return record


def rule_for(role: str, **kwargs) -> EscalationRule:
    """A rule sending the role's overdue steps to a new manager."""
    manager = kwargs.pop("manager", None) or UserFactory(roles=["marketing_manager"])
    return EscalationRule.objects.create(role=role, manager=manager, **kwargs)


def open_escalations(record: Job) -> list[Escalation]:
    return list(record_escalations(record).filter(resolved_at__isnull=True))


def escalation_notes(manager) -> list[Notification]:
    return list(Notification.objects.filter(recipient=manager, key__startswith="escalation:"))


def sign(record: Job, role: str) -> None:
    signoff_record(
        record=record,
        user=UserFactory(roles=[role]),
        role=role,
        decision="agree",
        comment=f"{role} got it",
        seen_seq=record.step_seq,
    )


@pytest.mark.django_db
def test_the_default_limit_is_two_days():
    assert rule_for("sample_room").after == LIMIT


@pytest.mark.django_db
def test_a_step_is_not_escalated_before_it_is_overdue_by_the_limit():
    rule = rule_for("sample_room")
    due = NOW - LIMIT
    due_at(JobFactory(state="planned"), due)

    results = [reminders_scan(due + offset) for offset in (-HOUR, HOUR, DAY, LIMIT - SECOND)]

    assert [r.escalations for r in results] == [0, 0, 0, 0]
    assert not Escalation.objects.exists()
    assert escalation_notes(rule.manager) == []


@pytest.mark.django_db
def test_an_overdue_step_goes_once_to_the_roles_manager_when_the_limit_passes():
    rule = rule_for("sample_room")
    record = due_at(JobFactory(state="planned"), NOW - LIMIT)

    first = reminders_scan(NOW)
    again = [reminders_scan(NOW + offset).escalations for offset in (0 * HOUR, HOUR, 3 * DAY)]

    assert first.escalations == 1
    assert again == [0, 0, 0]
    (escalation,) = Escalation.objects.all()
    assert (escalation.object_id, escalation.step_seq, escalation.role) == (
        record.pk,
        record.step_seq,
        "sample_room",
    )
    assert (escalation.manager, escalation.due_at, escalation.escalated_at) == (
        rule.manager,
        NOW - LIMIT,
        NOW,
    )
    assert escalation.resolved_at is None
    (note,) = escalation_notes(rule.manager)
    assert note.key == f"escalation:{escalation.pk}"
    assert f"{record.reference} {record.title}" in note.line
    assert note.url == record.get_absolute_url()
    assert note.email_pending  # the manager never chose: immediate emails
    assert open_escalations(record) == [escalation]
    assert escalated_to(rule.manager) == [escalation]


@pytest.mark.django_db
def test_a_rule_with_a_shorter_limit_escalates_sooner():
    rule_for("sample_room", after=4 * HOUR)
    due = NOW - 4 * HOUR
    due_at(JobFactory(state="planned"), due)

    assert reminders_scan(NOW - SECOND).escalations == 0
    assert reminders_scan(NOW).escalations == 1
    assert Escalation.objects.get().due_at == due


@pytest.mark.django_db
def test_each_role_of_the_step_goes_to_its_own_manager_and_roles_without_a_rule_to_none():
    # While a job is being made, the sample room submits it for checking and
    # PMC may outsource: both are expected to act; only they have rules here.
    room_rule = rule_for("sample_room")
    pmc_rule = rule_for("pmc")
    rule_for("qa")  # QA has nothing to do in this step
    record = due_at(JobFactory(state="working"), NOW - LIMIT)
    assert set(waiting_roles(record)) == {"sample_room", "pmc"}

    assert reminders_scan(NOW).escalations == 2

    assert set(Escalation.objects.values_list("role", "manager_id")) == {
        ("sample_room", room_rule.manager.pk),
        ("pmc", pmc_rule.manager.pk),
    }
    assert len(escalation_notes(room_rule.manager)) == 1
    assert len(escalation_notes(pmc_rule.manager)) == 1


@pytest.mark.django_db
def test_a_sign_off_step_escalates_only_the_roles_that_have_not_signed():
    qa_rule = rule_for("qa")
    room_rule = rule_for("sample_room")
    record = due_at(JobFactory(state="rejected"), NOW - LIMIT)
    sign(record, "qa")

    assert reminders_scan(NOW).escalations == 1

    (escalation,) = Escalation.objects.all()
    assert (escalation.role, escalation.manager) == ("sample_room", room_rule.manager)
    assert escalation_notes(qa_rule.manager) == []


@pytest.mark.django_db
def test_a_step_waiting_on_signatures_is_not_escalated_to_the_next_steps_role():
    """A rejected job waits on QA and the sample room; the requester's redo
    cannot be taken yet, so sales is not escalated until both signed."""
    rule_for("qa")
    rule_for("sample_room")
    sales_rule = rule_for("sales")
    record = due_at(JobFactory(state="rejected"), NOW - LIMIT)

    assert reminders_scan(NOW).escalations == 2
    assert set(Escalation.objects.values_list("role", flat=True)) == {"qa", "sample_room"}

    sign(record, "qa")
    sign(record, "sample_room")
    last = NOW + DAY  # the sample room signed a day after the QA-and-room escalations
    SignOff.objects.filter(role="sample_room").update(signed_at=last)
    SignOff.objects.filter(role="qa").update(signed_at=NOW)

    # The requester could only act from the last signature: the limit runs from there.
    assert reminders_scan(last + LIMIT - SECOND).escalations == 0
    assert reminders_scan(last + LIMIT).escalations == 1
    assert Escalation.objects.get(role="sales").manager == sales_rule.manager


@pytest.mark.django_db
def test_a_role_signing_resolves_only_its_own_escalation():
    qa_rule = rule_for("qa")
    room_rule = rule_for("sample_room")
    record = due_at(JobFactory(state="rejected"), NOW - LIMIT)
    assert reminders_scan(NOW).escalations == 2

    sign(record, "qa")

    qa_escalation = Escalation.objects.get(role="qa")
    room_escalation = Escalation.objects.get(role="sample_room")
    assert qa_escalation.resolved_at is not None
    assert room_escalation.resolved_at is None
    assert open_escalations(record) == [room_escalation]
    assert escalated_to(qa_rule.manager) == []
    assert escalated_to(room_rule.manager) == [room_escalation]
    # Signed is signed: a later scan does not escalate QA again.
    assert reminders_scan(NOW + DAY).escalations == 0


@pytest.mark.django_db
def test_leaving_the_step_resolves_it_and_a_new_visit_escalates_afresh(advance):
    rule = rule_for("sample_room")
    record = due_at(JobFactory(state="working"), NOW - LIMIT)
    first_visit = record.step_seq
    assert reminders_scan(NOW).escalations == 1

    record = advance.take(record, "submit")

    first = Escalation.objects.get()
    assert first.resolved_at is not None
    assert open_escalations(record) == []
    assert escalated_to(rule.manager) == []

    # QA sends it back: the sample room has the step again, a new visit.
    record = advance.take(record, "fail_check")
    assert record.state == "working" and record.step_seq == first_visit + 2
    record = due_at(record, NOW)
    assert reminders_scan(NOW + LIMIT - SECOND).escalations == 0

    assert reminders_scan(NOW + LIMIT).escalations == 1

    second = Escalation.objects.exclude(pk=first.pk).get()
    assert (second.step_seq, second.role, second.resolved_at) == (
        record.step_seq,
        "sample_room",
        None,
    )
    assert escalated_to(rule.manager) == [second]
    assert len(escalation_notes(rule.manager)) == 2


@pytest.mark.django_db
def test_a_rule_whose_manager_has_left_is_ignored():
    gone = UserFactory(roles=["marketing_manager"], is_active=False)
    rule_for("sample_room", manager=gone)
    due_at(JobFactory(state="planned"), NOW - LIMIT)

    assert reminders_scan(NOW).escalations == 0

    assert not Escalation.objects.exists()
    assert not Notification.objects.filter(recipient=gone).exists()


@pytest.mark.django_db
def test_a_final_record_is_never_escalated():
    rule_for("sample_room")
    rule_for("sales")
    due_at(JobFactory(state="cancelled"), NOW - LIMIT)

    assert reminders_scan(NOW).escalations == 0
    assert not Escalation.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency")
def test_two_scans_at_once_escalate_each_step_once():
    rule = rule_for("sample_room")
    records = [due_at(JobFactory(state="planned"), NOW - LIMIT) for _ in range(10)]

    outcomes = together(lambda: reminders_scan(NOW), lambda: reminders_scan(NOW))

    assert sum(o.escalations for o in outcomes) == len(records)
    assert Escalation.objects.count() == len(records)
    assert set(Escalation.objects.values_list("object_id", flat=True)) == {r.pk for r in records}
    keys = [n.key for n in escalation_notes(rule.manager)]
    assert len(keys) == len(set(keys)) == len(records)
