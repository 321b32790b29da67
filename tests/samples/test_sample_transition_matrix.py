"""Who may take which step, over HTTP, for every declared transition of the
sample processes and every role of the company.

The cases are enumerated from the declarations (``workflow_transitions()``),
so a new transition or role is covered without editing this file. Each case
builds its record directly in the step's source state (one insert, no walk)
and posts the step as a user holding only one role; for a step only the
record's salesperson may take, that user *is* the salesperson, so the role is
the only thing that decides.
"""

from __future__ import annotations

from typing import Any

import pytest
from django_fsm_log.models import StateLog
from factories import (
    FACTORIES,
    UserFactory,
    is_owner_only,
    transition_cases,
    transitions_of,
)
from workflow_checks import ROLE_CODES, check_step_by_role, check_step_forbidden

from samples.models import Board, SampleOrder
from workflows.declarations import step_of
from workflows.services import signoff_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TRANSITIONS = transitions_of(SampleOrder, Board)


CASES = transition_cases(SampleOrder, Board)
OWNER_ONLY_CASES = transition_cases(SampleOrder, Board, owner_only=True)


def record_in(model: type, transition: Any, *, salesperson: Any = None) -> Any:
    """A record in the transition's source state; its sign-offs given where the
    step waits for them, so that only the user's right decides."""
    kwargs = {"state": transition.source}
    if salesperson is not None:
        kwargs["salesperson"] = salesperson
    record = FACTORIES[model](**kwargs)
    spec = record.current_sign_off_step()
    if spec is not None and transition.conditions:
        for role in spec.roles:
            signer = UserFactory(roles=[role])
            signoff_record(record=record, user=signer, role=role, decision="agree")
    return record


def snapshot(record: Any) -> tuple[str, int, int]:
    fresh = type(record).objects.get(pk=record.pk)
    return fresh.state, fresh.step_seq, StateLog.objects.for_(fresh).count()


def test_every_step_of_the_matrix_can_be_taken_by_some_role_of_the_company():
    assert {(m, t.name) for m, t in TRANSITIONS} >= {
        (SampleOrder, "reorder"),
        (SampleOrder, "cancel"),
        (Board, "follow_up"),
    }
    assert len(SampleOrder.transition_named("cancel")) == 8  # one case per source state
    for _model, transition in TRANSITIONS:
        assert set(step_of(transition).roles) & set(ROLE_CODES), transition.name


@pytest.mark.parametrize("role", ROLE_CODES)
@pytest.mark.parametrize(("model", "transition"), CASES)
def test_step_is_taken_by_its_declared_roles_and_refused_to_every_other(
    model, transition, role, client_for
):
    user = UserFactory(roles=[role])
    record = record_in(model, transition, salesperson=user if is_owner_only(transition) else None)

    check_step_by_role(client_for(user), user, role, record, transition, snapshot)


@pytest.mark.parametrize(("model", "transition"), OWNER_ONLY_CASES)
def test_owner_only_step_is_refused_to_the_salesperson_who_lacks_the_role(
    model, transition, client_for
):
    # The salesperson is in the process (sample room) but not in the step's role.
    salesperson = UserFactory(roles=["sample_room"])
    assert not set(step_of(transition).roles) & {"sample_room"}
    record = record_in(model, transition, salesperson=salesperson)

    check_step_forbidden(client_for(salesperson), record, transition.name, snapshot)


@pytest.mark.parametrize(("model", "transition"), OWNER_ONLY_CASES)
def test_owner_only_step_is_refused_to_a_user_with_the_role_who_is_not_the_salesperson(
    model, transition, client_for
):
    record = record_in(model, transition)
    colleague = UserFactory(roles=list(step_of(transition).roles))
    assert colleague.pk != record.salesperson_id

    response = check_step_forbidden(client_for(colleague), record, transition.name, snapshot)

    assert b"Only the person responsible for this record" in response.content
