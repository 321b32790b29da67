"""Who may take which step of a project proposal, over HTTP: every declared
transition (one per source state, so withdrawing is checked from each of its
eight states) against every role of the company.

Each case builds the proposal directly in the step's source state, with what
the step waits for (a complete report draft before a submit step, both
opinions before revising), and posts the step as a user holding only one
role. For a step only the proposal's business developer may take, that user
*is* the proposal's owner, so the role is the only thing that decides; the
owner rule itself is checked separately.
"""

from __future__ import annotations

from typing import Any

import pytest
from django_fsm_log.models import StateLog
from factories import UserFactory, is_owner_only, proposal_ready, transition_cases, transitions_of
from workflow_checks import ROLE_CODES, check_step_by_role, check_step_forbidden

from proposals.models import Proposal, ProposalReport
from workflows.declarations import step_of
from workflows.selectors import inbox

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TRANSITIONS = transitions_of(Proposal)


CASES = transition_cases(Proposal, with_model=False)
OWNER_ONLY_CASES = transition_cases(Proposal, owner_only=True, with_model=False)


def snapshot(record: Proposal) -> tuple[Any, ...]:
    """Everything a step may change: the record, its audit trail and its reports."""
    fresh = Proposal.objects.get(pk=record.pk)
    reports = ProposalReport.objects.filter(proposal=fresh).order_by("revision")
    return (
        fresh.state,
        fresh.step_seq,
        fresh.step_due_at,
        fresh.decided_by_id,
        StateLog.objects.for_(fresh).count(),
        list(reports.values_list("revision", "submitted_at", "approved_at")),
    )


def test_the_matrix_covers_every_step_of_the_proposal_and_each_has_a_role():
    names = {t.name for _m, t in TRANSITIONS}
    assert names == {
        "request_assessment",
        "recommend",
        "decide_pitch",
        "decline",
        "start_research",
        "submit_preliminary",
        "return_preliminary",
        "consult",
        "revise",
        "submit_formal",
        "return_formal",
        "approve_formal",
        "win",
        "lose",
        "withdraw",
    }
    # Withdrawing is possible from every open state but the pitch decision and
    # the proposed one: one case per source state.
    assert {t.source for t in Proposal.transition_named("withdraw")} == set(
        Proposal.State.values
    ) - Proposal.final_states - {"awaiting_decision", "proposed"}
    assert {t.name for t in (p.values[0] for p in OWNER_ONLY_CASES)} == {
        "request_assessment",
        "win",
        "lose",
    }
    for _model, transition in TRANSITIONS:
        assert set(step_of(transition).roles) & set(ROLE_CODES), transition.name


@pytest.mark.parametrize("role", ROLE_CODES)
@pytest.mark.parametrize("transition", CASES)
def test_proposal_step_is_taken_by_its_declared_roles_and_refused_to_every_other(
    transition, role, client_for
):
    user = UserFactory(roles=[role])
    owner = {"owner": user} if is_owner_only(transition) else {}
    record = proposal_ready(transition, **owner)

    check_step_by_role(client_for(user), user, role, record, transition, snapshot)


@pytest.mark.parametrize("transition", OWNER_ONLY_CASES)
def test_owner_only_step_is_refused_to_a_business_developer_who_is_not_the_owner(
    transition, client_for
):
    record = proposal_ready(transition)
    colleague = UserFactory(roles=["bd"])
    assert colleague.pk != record.owner_id

    response = check_step_forbidden(
        client_for(colleague), record, transition.name, snapshot, prefixed=True
    )

    assert b"Only the person responsible for this record" in response.content


@pytest.mark.parametrize("transition", OWNER_ONLY_CASES)
def test_owner_only_step_is_refused_to_the_owner_who_lost_the_business_developer_role(
    transition, client_for
):
    # The owner moved to research: the record still names them, the role decides.
    owner = UserFactory(roles=["researcher"])
    record = proposal_ready(transition, owner=owner)

    check_step_forbidden(client_for(owner), record, transition.name, snapshot, prefixed=True)


def test_owner_only_steps_are_offered_on_the_page_to_the_owner_and_not_to_a_colleague(
    client_for,
):
    transition = Proposal.transition_named("request_assessment")[0]
    record = proposal_ready(transition)
    colleague = UserFactory(roles=["bd"])

    mine = client_for(record.owner).get(record.get_absolute_url())
    theirs = client_for(colleague).get(record.get_absolute_url())

    assert "request_assessment" in [a["action"].name for a in mine.context["actions"]]
    assert 'data-step="request_assessment"' in mine.content.decode()
    assert "request_assessment" not in [a["action"].name for a in theirs.context["actions"]]
    assert 'data-step="request_assessment"' not in theirs.content.decode()


def test_a_lead_waits_in_its_owners_inbox_only():
    transition = Proposal.transition_named("request_assessment")[0]
    record = proposal_ready(transition)
    colleague = UserFactory(roles=["bd"])

    def waiting(user: Any) -> list[Proposal]:
        return [r for s in inbox(user) if s.key == "proposals.proposal" for r in s.records]

    assert waiting(record.owner) == [record]
    assert waiting(colleague) == []
