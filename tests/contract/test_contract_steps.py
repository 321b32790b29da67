"""Every step of every process taken over HTTP as the record page takes it: the
happy path with its form, its effect and the deadline the engine's rule gives
(``compute_due``, capped by the process's final deadline); GET refused; the
wrong state, a stale page or a double submit changing nothing; missing
fields; and every deadline within a final deadline that is tomorrow.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.contract.cases import (
    count_cases,
    let_read,
    model_cases,
    required_cases,
    rule_holder,
    step_cases,
    transition_cases,
)
from tests.factories import in_days
from tests.kits import kit_for, post_data, ready, snapshot
from tests.workflow_checks import (
    check_double_submit,
    check_get_refused,
    check_refused_as_stale,
    check_refused_in_wrong_state,
    check_required_field_missing,
    check_step_taken,
    required_fields,
    step_url,
    wrong_state,
)
from workflows.calendar import end_of
from workflows.declarations import compute_due, step_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CASES = transition_cases()
STEP_CASES = step_cases()
REQUIRED_CASES = required_cases()
FINAL_DEADLINE_CASES = transition_cases(lambda model, t: model.final_deadline_field is not None)
FINAL_DEADLINE_MODELS = model_cases(lambda model: model.final_deadline_field is not None)


def due_window(rule: Any, record: Any, before: dt.datetime, after: dt.datetime) -> Any:
    """The (earliest, latest) deadline the engine's rule gives for a step taken
    between ``before`` and ``after``, before the final deadline caps it; None
    for no deadline."""
    if rule is None:
        return None
    latest = compute_due(rule, record, after)
    if latest is None:
        return None
    earliest = compute_due(rule, record, before)
    if callable(rule):
        # A rule that reads the clock itself was evaluated now, after the step.
        earliest -= timezone.now() - before
    return earliest, latest


def expected_due(step: Any, record: Any, before: dt.datetime, after: dt.datetime) -> Any:
    """What ``check_step_taken`` asks for: the rule's window, capped by the
    final deadline; None for a closed record."""
    if record.is_final:
        return None
    window = due_window(step.due, record, before, after)
    cap = record.final_deadline
    if cap is None:
        return window
    if window is None:
        return cap, cap
    return min(window[0], cap), min(window[1], cap)


# --- Happy paths ----------------------------------------------------------------------


@pytest.mark.parametrize(("model", "transition"), CASES)
def test_step_with_valid_form_moves_the_record_saves_its_fields_and_sets_the_deadline(
    model, transition, advance, client_for
):
    kit = kit_for(model)
    record = advance(kit.factory(), transition.source)
    advance.ready(record, transition.name)
    user = advance.actor(record, transition.name)

    due = check_step_taken(
        client_for(user), record, transition, user, expected_due=expected_due, effects=kit.effects
    )

    if due is not None and record.final_deadline is not None:
        assert record.step_due_at <= record.final_deadline


# --- The final deadline caps every deadline -------------------------------------------


@pytest.mark.parametrize(("model", "transition"), FINAL_DEADLINE_CASES)
def test_no_step_is_due_after_the_end_of_a_final_deadline_that_is_tomorrow(
    model, transition, walker, client_for
):
    kit = kit_for(model)
    day = in_days(1)
    record = ready(model, transition, walker, **{model.final_deadline_field: day})
    name = transition.name
    user = walker.actor(record, name)
    data = post_data(
        record, name, seq=record.step_seq, prefixed=True, **kit.within_final_deadline(name, day)
    )

    before = timezone.now()
    response = client_for(user).post(step_url(record, name), data)
    after = timezone.now()

    assert response.status_code == 302, response.content[:2000]
    record.refresh_from_db()
    assert record.state == transition.target
    cap = end_of(day)
    assert record.final_deadline == cap
    if record.is_final:
        assert record.step_due_at is None
        return
    window = due_window(step_of(transition).due, record, before, after)
    if window is None or window[0] >= cap:
        assert record.step_due_at == cap
    else:
        assert window[0] - dt.timedelta(seconds=1) <= record.step_due_at <= min(window[1], cap)


@pytest.mark.parametrize("model", model_cases())
def test_a_new_record_is_due_as_its_first_step_says(model):
    before = timezone.now()
    record = kit_for(model).factory()
    after = timezone.now()

    window = due_window(model.initial_due, record, before, after)
    cap = record.final_deadline
    if window is None:
        assert record.step_due_at == cap
    else:
        lo, hi = (min(window[0], cap), min(window[1], cap)) if cap else window
        assert lo - dt.timedelta(seconds=1) <= record.step_due_at <= hi


@pytest.mark.parametrize("model", FINAL_DEADLINE_MODELS)
def test_a_record_whose_final_deadline_is_today_is_due_tonight(model):
    record = kit_for(model).factory(**{model.final_deadline_field: in_days(0)})

    assert record.step_due_at == end_of(in_days(0))


# --- Refusals that change nothing -----------------------------------------------------


@pytest.mark.parametrize(("model", "transition"), STEP_CASES)
def test_get_on_a_step_url_is_refused_and_changes_nothing(model, transition, walker, client_for):
    record = ready(model, transition, walker)
    user = walker.actor(record, transition.name)

    check_get_refused(client_for(user), record, transition.name, snapshot)


@pytest.mark.parametrize(("model", "transition"), STEP_CASES)
def test_step_posted_in_another_state_changes_nothing_and_says_why(
    model, transition, walker, client_for
):
    wrong = wrong_state(model, transition.name)
    role = step_of(transition).roles[0]
    user = walker.user(role)
    record = kit_for(model).factory(state=wrong, **rule_holder(transition, user))
    let_read(model, user, {role}, record)  # else refused as a reader (test_contract_scopes.py)

    check_refused_in_wrong_state(client_for(user), record, transition, snapshot)


@pytest.mark.parametrize(("model", "transition"), CASES)
def test_double_submit_takes_the_step_once_and_shows_the_stale_message(
    model, transition, walker, client_for
):
    record = ready(model, transition, walker)

    check_double_submit(
        client_for(walker.actor(record, transition.name)), record, transition, snapshot
    )


@pytest.mark.parametrize("model", model_cases())
def test_step_from_a_page_shown_before_the_last_step_is_refused_as_stale(
    model, advance, client_for
):
    record = kit_for(model).factory()
    first = record.expected_transitions()[0]
    record = advance.take(record, first.name)
    following = record.expected_transitions()[0]
    advance.ready(record, following.name)
    shown_seq = record.step_seq - 1  # the page was loaded before the first step
    client = client_for(advance.actor(record, following.name))

    check_refused_as_stale(client, record, following.name, shown_seq, snapshot)


@pytest.mark.parametrize(("model", "transition", "field"), REQUIRED_CASES)
def test_step_without_a_required_field_answers_400_with_the_field_error(
    model, transition, field, walker, client_for
):
    record = ready(model, transition, walker)
    client = client_for(walker.actor(record, transition.name))

    response = check_required_field_missing(client, record, transition, field, snapshot)

    assert "This field is required." in response.content.decode()


@pytest.mark.parametrize(("model", "transition", "field", "lowest"), count_cases())
def test_a_count_below_its_lowest_answers_400_with_the_field_error(
    model, transition, field, lowest, walker, client_for
):
    """A sample of 0 pieces makes no sense: a count the step asks for is
    refused below its lowest value, and nothing changes."""
    record = ready(model, transition, walker)
    client = client_for(walker.actor(record, transition.name))
    data = post_data(record, transition.name, seq=record.step_seq, prefixed=True)
    data[f"{transition.name}-{field}"] = str(lowest - 1)
    before = snapshot(record)

    response = client.post(step_url(record, transition.name), data)

    assert response.status_code == 400
    assert snapshot(record) == before
    (opened,) = [a for a in response.context["actions"] if a["open"]]
    assert opened["action"].name == transition.name
    assert opened["form"].errors[field] == [
        f"Ensure this value is greater than or equal to {lowest}."
    ]


def first_step_with_a_required_field(model: type) -> Any:
    """The first step whose own form requires a field (beyond the comment)."""
    return next(
        (
            t
            for t in model.workflow_transitions()
            if [f for f in required_fields(t) if f != "comment"]
        ),
        None,
    )


@pytest.mark.parametrize(
    "model", model_cases(lambda model: first_step_with_a_required_field(model) is not None)
)
def test_form_shown_again_after_an_error_keeps_the_names_and_ids_of_the_step(
    model, walker, client_for
):
    # The page names each step's fields "<step>-<field>"; the form shown again
    # after an error must too (the view sets the prefix for that purpose).
    transition = first_step_with_a_required_field(model)
    name = transition.name
    fields = [f for f in required_fields(transition) if f != "comment"]
    record = ready(model, transition, walker)
    data = post_data(record, name, seq=record.step_seq, prefixed=True)
    del data[f"{name}-{fields[0]}"]

    response = client_for(walker.actor(record, name)).post(step_url(record, name), data)

    assert response.status_code == 400
    html = response.content.decode()
    for field in fields:
        assert f'name="{name}-{field}"' in html, field
        assert f'id="id_{name}-{field}' in html, field  # a radio's choices add "_0", "_1"
        assert f'name="{field}"' not in html, field
