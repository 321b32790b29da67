"""Who may take which step, over HTTP, for every declared transition of every
process (one case per source state, so a cancel step is checked from each of
its states) against every role of the company; the record rules (only the
owner, never the user a rule names); the rights the declarations grant.

The cases come from the declarations, so a new transition, role or process
is covered without editing this file. Each case builds its record directly
in the step's source state, with what the step waits for, and posts the step
as a user holding only one role. For a step only the record's owner may
take, that user *is* the owner, so the role is the only thing that decides;
the owner rule itself is checked separately.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from tests.contract.cases import (
    MODELS,
    ROLE_CODES,
    is_not_by,
    is_owner_only,
    let_read,
    model_cases,
    role_lacking,
    rule_holder,
    transition_cases,
)
from tests.factories import UserFactory
from tests.kits import kits, ready, snapshot
from tests.workflow_checks import check_step_by_role, check_step_forbidden
from workflows.declarations import step_of
from workflows.registry import process_models
from workflows.roles import ROLES
from workflows.selectors import inbox

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CASES = transition_cases()
OWNER_ONLY_CASES = transition_cases(lambda model, t: is_owner_only(t))
NOT_BY_CASES = transition_cases(lambda model, t: is_not_by(t))


def first_owner_only_inbox_step(model: type) -> Any:
    """The first step only the owner takes that waits in an inbox, if any."""
    return next(
        (t for t in model.workflow_transitions() if is_owner_only(t) and step_of(t).inbox), None
    )


OWNER_INBOX_MODELS = model_cases(lambda model: first_owner_only_inbox_step(model) is not None)


@pytest.fixture(scope="module")
def owners(module_db: None) -> dict[type, Any]:
    """Per process, the owner of the matrix's records whose step is not the
    owner's only: a user holding the role that opens its records."""
    return {model: UserFactory(roles=[model.creator_roles[0]]) for model in MODELS}


def test_every_process_model_has_a_kit():
    assert {kit.model for kit in kits()} == set(process_models())
    assert len(MODELS) == len(set(MODELS))


@pytest.mark.parametrize("model", model_cases())
def test_every_step_can_be_taken_by_some_role_of_the_company(model):
    transitions = model.workflow_transitions()
    assert transitions
    for transition in transitions:
        assert set(step_of(transition).roles) & set(ROLE_CODES), transition.name


@pytest.mark.parametrize("role", ROLE_CODES)
@pytest.mark.parametrize(("model", "transition"), CASES)
def test_step_is_taken_by_its_declared_roles_and_refused_to_every_other(
    model, transition, role, role_users, role_clients, owners, walker
):
    user = role_users[role]
    owner = rule_holder(transition, user) or {model.owner_field: owners[model]}
    record = ready(model, transition, walker, **owner)

    check_step_by_role(role_clients(role), user, role, record, transition, snapshot)


@pytest.mark.parametrize(("model", "transition"), OWNER_ONLY_CASES)
def test_owner_only_step_is_refused_to_the_owner_who_lacks_the_role(
    model, transition, walker, client_for
):
    # The owner takes part in the process, in another role than the step's.
    role = role_lacking(model, transition)
    assert role not in step_of(transition).roles
    owner = UserFactory(roles=[role])
    record = ready(model, transition, walker, **rule_holder(transition, owner))

    check_step_forbidden(client_for(owner), record, transition.name, snapshot, prefixed=True)


@pytest.mark.parametrize(("model", "transition"), OWNER_ONLY_CASES)
def test_owner_only_step_is_refused_to_a_user_with_the_role_who_is_not_the_owner(
    model, transition, walker, client_for
):
    record = ready(model, transition, walker)
    roles = list(step_of(transition).roles)
    colleague = UserFactory(roles=roles)
    assert colleague.pk != getattr(record, f"{step_of(transition).rule.field}_id")
    # A colleague the read scope keeps from the record is refused as a reader
    # (test_contract_scopes.py); one who reads it, by the rule.
    let_read(model, colleague, set(roles), record)

    response = check_step_forbidden(
        client_for(colleague), record, transition.name, snapshot, prefixed=True
    )

    assert b"Only the person responsible for this record" in response.content


@pytest.mark.parametrize(("model", "transition"), NOT_BY_CASES)
def test_step_a_rule_keeps_from_a_user_is_refused_to_that_user_with_the_role(
    model, transition, walker, client_for
):
    rule = step_of(transition).rule
    named = UserFactory(roles=list(step_of(transition).roles))
    record = ready(model, transition, walker, **{rule.field: named})
    assert not rule.allows(record, named)

    response = check_step_forbidden(
        client_for(named), record, transition.name, snapshot, prefixed=True
    )

    assert str(rule.message).encode() in response.content
    # Someone else with the role may.
    other = walker.actor(record, transition.name)
    assert other.pk != named.pk and rule.allows(record, other)


@pytest.mark.parametrize("model", OWNER_INBOX_MODELS)
def test_owner_only_steps_are_offered_on_the_page_to_the_owner_and_not_to_a_colleague(
    model, walker, client_for
):
    transition = first_owner_only_inbox_step(model)
    name = transition.name
    record = ready(model, transition, walker)
    owner = getattr(record, step_of(transition).rule.field)
    roles = list(step_of(transition).roles)
    colleague = UserFactory(roles=roles)
    let_read(model, colleague, set(roles), record)  # else the page is refused to them

    mine = client_for(owner).get(record.get_absolute_url())
    theirs = client_for(colleague).get(record.get_absolute_url())

    assert name in [a["action"].name for a in mine.context["actions"]]
    assert f'data-step="{name}"' in mine.content.decode()
    assert name not in [a["action"].name for a in theirs.context["actions"]]
    assert f'data-step="{name}"' not in theirs.content.decode()


@pytest.mark.parametrize("model", OWNER_INBOX_MODELS)
def test_a_step_only_the_owner_takes_waits_in_the_owners_inbox_only(model, walker):
    transition = first_owner_only_inbox_step(model)
    record = ready(model, transition, walker)
    owner = getattr(record, step_of(transition).rule.field)
    colleague = UserFactory(roles=list(step_of(transition).roles))
    key = model._meta.label_lower

    def waiting(user: Any) -> list[Any]:
        return [r for s in inbox(user) if s.key == key for r in s.records]

    assert waiting(owner) == [record]
    assert waiting(colleague) == []


@pytest.mark.parametrize("model", model_cases())
def test_the_roles_that_open_records_may_create_them_and_every_manager_may_view(model):
    ct = ContentType.objects.get_for_model(model)
    name = model._meta.model_name

    def holders(codename: str) -> set[str]:
        perm = Permission.objects.get(content_type=ct, codename=codename)
        return set(perm.group_set.values_list("name", flat=True))

    assert model.creator_roles
    assert holders(f"add_{name}") == set(model.creator_roles)
    assert holders(f"view_{name}") == {r.code for r in ROLES if r.manager}
