"""Sign-off steps that may be refused: a department's refusal takes the step
the declaration names (``on_refuse``) with the reason as its comment; a
refusal needs a reason; a step that names no such transition cannot be
refused."""

from __future__ import annotations

import re

import pytest
from django_fsm_log.models import StateLog

from tests.kits import snapshot
from tests.testflows.kit import JobFactory, ReviewFactory
from tests.testflows.models import Job, Review
from tests.workflow_checks import messages_of, url
from workflows.conditions import all_signed
from workflows.models import Outbox, SignOff
from workflows.services import StepNotAvailable, signoff_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def sign(client, record, role: str, decision: str, comment: str):
    return client.post(
        url(record, "sign"),
        {"role": role, "decision": decision, "comment": comment, "_seq": record.step_seq},
    )


def test_a_refusal_sends_the_record_back_with_the_departments_reason(role_user, client_for):
    record = ReviewFactory(state="consulting")
    assert Review.sign_off_steps["consulting"].on_refuse == "send_back"
    strategist = role_user("strategy")
    seq = record.step_seq
    outbox = Outbox.objects.count()

    response = sign(client_for(strategist), record, "strategy", "refuse", "Too expensive.")

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.state, record.step_seq) == ("draft", seq + 1)
    log = StateLog.objects.for_(record).latest("pk")
    assert (log.transition, log.source_state, log.state, log.by_id) == (
        "send_back",
        "consulting",
        "draft",
        strategist.pk,
    )
    assert log.description == "Strategy department: Too expensive."
    (refusal,) = SignOff.objects.filter(object_id=record.pk)
    assert (refusal.role, refusal.decision, refusal.step_seq) == ("strategy", "refuse", seq)
    assert Outbox.objects.count() == outbox + 1  # those concerned hear of the step it went back to
    # Back in the draft, the creative department has the step again.
    page = client_for(role_user("creative")).get(record.get_absolute_url())
    assert [a["action"].name for a in page.context["actions"]] == ["consult"]


def test_a_refusal_without_a_reason_is_refused_and_changes_nothing(role_user, client_for):
    record = ReviewFactory(state="consulting")
    before = snapshot(record)

    response = sign(client_for(role_user("finance")), record, "finance", "refuse", "  ")

    assert response.status_code == 400
    assert response.context["signoff"]["form"].errors["comment"] == [
        "Please give the reason for refusing."
    ]
    assert snapshot(record) == before
    with pytest.raises(StepNotAvailable, match=re.escape("Please give the reason for refusing.")):
        signoff_record(record=record, user=role_user("finance"), role="finance", decision="refuse")
    assert not SignOff.objects.exists()


def test_the_departments_of_a_refusable_step_are_offered_a_refusal_and_others_are_not(
    role_user, client_for
):
    review = ReviewFactory(state="consulting")
    job = JobFactory(state="rejected")

    on_review = client_for(role_user("strategy")).get(review.get_absolute_url())
    on_job = client_for(role_user("qa")).get(job.get_absolute_url())

    def decisions(page) -> list[str]:
        return [d for d, _label in page.context["signoff"]["form"].fields["decision"].choices]

    assert decisions(on_review) == ["agree", "conditional", "refuse"]
    assert decisions(on_job) == ["agree"]


def test_a_step_that_names_no_transition_for_a_refusal_cannot_be_refused(role_user, client_for):
    record = JobFactory(state="rejected")
    assert Job.sign_off_steps["rejected"].on_refuse is None
    qa = role_user("qa")
    before = snapshot(record)

    response = sign(client_for(qa), record, "qa", "refuse", "Not ours.")

    assert response.status_code == 400
    assert "decision" in response.context["signoff"]["form"].errors
    assert snapshot(record) == before
    with pytest.raises(StepNotAvailable, match=re.escape("This step cannot be refused.")):
        signoff_record(record=record, user=qa, role="qa", decision="refuse", comment="Not ours.")
    assert not SignOff.objects.exists()
    assert messages_of(response) == ["Please correct the errors below."]


def test_agreeing_with_conditions_counts_as_agreeing_and_shows_the_conditions_to_everyone(
    role_user, client_for
):
    record = ReviewFactory(state="consulting")
    finance = role_user("finance")

    response = sign(client_for(finance), record, "finance", "conditional", "30% deposit first.")
    assert response.status_code == 302
    sign(client_for(role_user("strategy")), record, "strategy", "agree", "")

    record.refresh_from_db()
    assert record.state == "consulting"  # a sign-off does not move the record
    (conditional,) = SignOff.objects.filter(object_id=record.pk, role="finance")
    assert conditional.decision == "conditional"
    assert all_signed(record)
    # Everyone reading the record sees the conditions, also after the step.
    for reader in (role_user("creative"), role_user("marketing_manager")):
        page = client_for(reader).get(record.get_absolute_url())
        (shown,) = page.context["conditions"]
        assert (shown["role"], shown["comment"]) == ("finance", "30% deposit first.")
        assert "30% deposit first." in page.content.decode()


def test_conditions_are_required_and_a_decision_not_offered_is_refused(role_user, client_for):
    review = ReviewFactory(state="consulting")
    job = JobFactory(state="rejected")
    before = snapshot(review)

    response = sign(client_for(role_user("finance")), review, "finance", "conditional", " ")

    assert response.status_code == 400
    assert response.context["signoff"]["form"].errors["comment"] == [
        "Please state your conditions."
    ]
    assert snapshot(review) == before
    with pytest.raises(StepNotAvailable, match=re.escape("Please state your conditions.")):
        signoff_record(
            record=review, user=role_user("finance"), role="finance", decision="conditional"
        )
    # The job's sign-off offers only "received": conditions are not a decision there.
    with pytest.raises(StepNotAvailable, match="not offered"):
        signoff_record(
            record=job, user=role_user("qa"), role="qa", decision="conditional", comment="If…"
        )
    assert not SignOff.objects.exists()
