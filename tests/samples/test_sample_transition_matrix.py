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
from django.urls import reverse
from django_fsm_log.models import StateLog
from factories import (
    FACTORIES,
    UserFactory,
    is_owner_only,
    post_data,
    transitions_of,
)

from samples.models import Board, SampleOrder
from workflows.declarations import step_of
from workflows.roles import ROLES
from workflows.services import signoff_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TRANSITIONS = transitions_of(SampleOrder, Board)
ROLE_CODES = [r.code for r in ROLES]


def _id(model: type, transition: Any) -> str:
    return f"{model.__name__}.{transition.name}[{transition.source}]"


CASES = [pytest.param(m, t, id=_id(m, t)) for m, t in TRANSITIONS]
OWNER_ONLY_CASES = [pytest.param(m, t, id=_id(m, t)) for m, t in TRANSITIONS if is_owner_only(t)]


def step_url(record: Any, name: str) -> str:
    opts = record._meta
    return reverse(
        f"{opts.app_label}:{opts.model_name}_step", kwargs={"pk": record.pk, "name": name}
    )


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
    step = step_of(transition)
    user = UserFactory(roles=[role])
    record = record_in(model, transition, salesperson=user if is_owner_only(transition) else None)
    before = snapshot(record)
    last_log = StateLog.objects.for_(record).order_by("-pk").first()
    data = post_data(transition.name, seq=record.step_seq, prefixed=True)

    response = client_for(user).post(step_url(record, transition.name), data)

    if role in step.roles:
        assert response.status_code == 302, response.content[:2000]
        assert response.url == record.get_absolute_url()
        record.refresh_from_db()
        assert record.state == transition.target
        assert record.step_seq == before[1] + 1
        (log,) = StateLog.objects.for_(record).filter(pk__gt=last_log.pk)
        assert (log.by_id, log.transition) == (user.pk, transition.name)
        assert (log.source_state, log.state) == (transition.source, transition.target)
        assert log.description == data[f"{transition.name}-comment"]
    else:
        assert response.status_code == 403
        assert snapshot(record) == before


@pytest.mark.parametrize(("model", "transition"), OWNER_ONLY_CASES)
def test_owner_only_step_is_refused_to_the_salesperson_who_lacks_the_role(
    model, transition, client_for
):
    # The salesperson is in the process (sample room) but not in the step's role.
    salesperson = UserFactory(roles=["sample_room"])
    assert not set(step_of(transition).roles) & {"sample_room"}
    record = record_in(model, transition, salesperson=salesperson)
    before = snapshot(record)

    response = client_for(salesperson).post(
        step_url(record, transition.name), post_data(transition.name, seq=record.step_seq)
    )

    assert response.status_code == 403
    assert snapshot(record) == before


@pytest.mark.parametrize(("model", "transition"), OWNER_ONLY_CASES)
def test_owner_only_step_is_refused_to_a_user_with_the_role_who_is_not_the_salesperson(
    model, transition, client_for
):
    record = record_in(model, transition)
    colleague = UserFactory(roles=list(step_of(transition).roles))
    assert colleague.pk != record.salesperson_id
    before = snapshot(record)

    response = client_for(colleague).post(
        step_url(record, transition.name), post_data(transition.name, seq=record.step_seq)
    )

    assert response.status_code == 403
    assert b"Only the person responsible for this record" in response.content
    assert snapshot(record) == before
