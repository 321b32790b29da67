"""Checks shared by the tests of every process (the contract suite in
tests/contract, and each process's own tests):
the record's URLs, a step posted over HTTP as the record page posts it and
what it must change (or leave as it was), and the query bound of a page.

A ``snapshot`` argument is the process's own: ``snapshot(record)`` reads back
everything a refused request must leave unchanged, as a tuple that starts
with the record's state and its step_seq.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from tests.kits import post_data, step_data
from workflows.declarations import step_of
from workflows.forms import form_class_of, transition_form, value_limits
from workflows.registry import process_models
from workflows.roles import ROLES

ROLE_CODES = [r.code for r in ROLES]
STALE = "This record was changed by someone else while you were looking at it"

Snapshot = Callable[[Any], tuple[Any, ...]]


# --- URLs and what a page says -----------------------------------------------------------


def url(record: Any, action: str, **kwargs: Any) -> str:
    """The URL ``<app>:<model>_<action>`` of the record ("step", "sign", "attach", ...)."""
    opts = record._meta
    return reverse(
        f"{opts.app_label}:{opts.model_name}_{action}", kwargs={"pk": record.pk, **kwargs}
    )


def step_url(record: Any, name: str) -> str:
    return url(record, "step", name=name)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def refs(response: Any) -> set[str]:
    """The references of the records a list page shows."""
    return {r.reference for r in response.context["records"]}


# --- What the declarations say -----------------------------------------------------------


def required_fields(transition: Any) -> list[str]:
    """The fields the step's form requires."""
    form = transition_form(step_of(transition), None)
    return [name for name, field in form.fields.items() if field.required]


def count_fields(transition: Any) -> dict[str, int]:
    """The integers the step's form asks for that start at 1 or more (counts
    of pieces, copies, boards), with their lowest value."""
    form = transition_form(step_of(transition), None)
    found: dict[str, int] = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.IntegerField) and not isinstance(
            field, forms.DecimalField | forms.FloatField
        ):
            low = value_limits(field.validators)[0]
            if low is not None and low >= 1:
                found[name] = low
    return found


def wrong_state(model: type, name: str) -> str:
    """A state of ``model`` the step ``name`` does not start from."""
    sources = {t.source for t in model.transition_named(name)}
    return next(s for s in model.State.values if s not in sources)


# --- A step taken over HTTP --------------------------------------------------------------

DueRule = Callable[[Any, Any, dt.datetime, dt.datetime], Any]
Effect = Callable[[Any, Any], Any]


def check_step_taken(
    client: Any,
    record: Any,
    transition: Any,
    user: Any,
    *,
    expected_due: DueRule,
    effects: Mapping[str, Effect],
) -> Any:
    """``user`` (logged in as ``client``) posts the step with valid data, as the
    page's form names it: the record (refreshed) moves to the target with the
    step's fields saved, the deadline ``expected_due(step, record, before,
    after)`` gives (None: no deadline), the step's entry in ``effects``, an
    audit entry with the comment (none for a step whose comment is hidden),
    and the page says the step was done.

    Returns what ``expected_due`` gave.
    """
    name = transition.name
    step = step_of(transition)

    before = timezone.now()
    response = client.post(
        step_url(record, name), post_data(record, name, seq=record.step_seq, prefixed=True)
    )
    after = timezone.now()

    assert response.status_code == 302, response.content[:2000]
    # Back to the record, or to the record the step's effect opened.
    assert response.url in {
        record.get_absolute_url(),
        *(opened_by_effect(before) if step.effect else ()),
    }
    seq = record.step_seq
    record.refresh_from_db()
    assert record.state == transition.target
    assert record.step_seq == seq + 1
    assert before <= record.step_started_at <= after
    form_class = form_class_of(step)
    if form_class is not None and issubclass(form_class, forms.ModelForm):
        for field, value in step_data(record, name).items():
            if field in form_class._meta.fields:
                assert getattr(record, field) == value, field
    due = expected_due(step, record, before, after)
    if due is None:
        assert record.step_due_at is None
    else:
        assert due[0] - dt.timedelta(seconds=1) <= record.step_due_at <= due[1]
    if name in effects:
        assert effects[name](record, user)
    log = StateLog.objects.for_(record).latest("pk")
    comment = None if step.comment == "hidden" else f"Comment on {name}"
    assert (log.transition, log.by_id, log.description) == (name, user.pk, comment)
    page = client.get(response.url)
    done = f"{record.reference}: “{step.label}” done. Now: {record.get_state_display()}."
    if response.url == record.get_absolute_url():
        assert messages_of(page) == [done]
    else:  # on the record the step opened, which the message names
        (message,) = messages_of(page)
        assert message.startswith(done[:-1])
        assert page.context["record"].reference in message
    return due


def check_get_refused(client: Any, record: Any, name: str, snapshot: Snapshot) -> None:
    """A GET on the step's URL, with the form's data, is refused (405) and changes nothing."""
    before = snapshot(record)

    response = client.get(step_url(record, name), post_data(record, name, seq=record.step_seq))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert snapshot(record) == before


def check_refused_in_wrong_state(
    client: Any, record: Any, transition: Any, snapshot: Snapshot
) -> None:
    """The step posted to a record in a state it does not start from: back to the
    record page, nothing changed, and the message names the step and the state."""
    name = transition.name
    state = type(record).state_label(record.state)
    before = snapshot(record)

    response = client.post(
        step_url(record, name), post_data(record, name, seq=record.step_seq), follow=True
    )

    assert response.redirect_chain == [(record.get_absolute_url(), 302)]
    assert snapshot(record) == before
    label = step_of(transition).label
    assert messages_of(response) == [f"“{label}” is not possible while the record is “{state}”."]


def check_double_submit(client: Any, record: Any, transition: Any, snapshot: Snapshot) -> None:
    """The same form posted twice: the step is taken once, the second post is stale."""
    data = post_data(record, transition.name, seq=record.step_seq, prefixed=True)

    first = client.post(step_url(record, transition.name), data)
    assert first.status_code == 302
    after_first = snapshot(record)
    assert after_first[0] == transition.target

    second = client.post(step_url(record, transition.name), data, follow=True)

    assert second.redirect_chain == [(record.get_absolute_url(), 302)]
    assert snapshot(record) == after_first
    assert STALE in messages_of(second)[-1]


def check_refused_as_stale(
    client: Any, record: Any, name: str, shown_seq: int, snapshot: Snapshot
) -> None:
    """The step posted from a page shown at ``shown_seq`` changes nothing and says why."""
    before = snapshot(record)

    response = client.post(
        step_url(record, name), post_data(record, name, seq=shown_seq), follow=True
    )

    assert snapshot(record) == before
    assert STALE in messages_of(response)[0]


def check_required_field_missing(
    client: Any, record: Any, transition: Any, field: str, snapshot: Snapshot
) -> Any:
    """The step posted without ``field``: 400, nothing changed, and the step's form
    is open again with the field's error. Returns the response."""
    data = post_data(record, transition.name, seq=record.step_seq, prefixed=True)
    del data[f"{transition.name}-{field}"]
    before = snapshot(record)

    response = client.post(step_url(record, transition.name), data)

    assert response.status_code == 400
    assert snapshot(record) == before
    (opened,) = [a for a in response.context["actions"] if a["open"]]
    assert opened["action"].name == transition.name
    assert opened["form"].errors[field] == ["This field is required."]
    return response


def opened_by_effect(since: dt.datetime) -> list[str]:
    """The pages of the process records opened since ``since``."""
    return [
        opened.get_absolute_url()
        for model in process_models()
        for opened in model.objects.filter(created_at__gte=since)
    ]


def check_step_by_role(
    client: Any, user: Any, role: str, record: Any, transition: Any, snapshot: Snapshot
) -> None:
    """``user``, holding only ``role``, posts the step: a role the step declares
    takes it (one audit entry, by the user, with the comment); any other gets
    403 and changes nothing."""
    step = step_of(transition)
    before = snapshot(record)
    last_log = StateLog.objects.for_(record).order_by("-pk").first()
    data = post_data(record, transition.name, seq=record.step_seq, prefixed=True)
    started = timezone.now()

    response = client.post(step_url(record, transition.name), data)

    if role in step.roles:
        assert response.status_code == 302, response.content[:2000]
        # Back to the record, or to the record the step's effect opened.
        assert response.url in {
            record.get_absolute_url(),
            *(opened_by_effect(started) if step.effect else ()),
        }
        record.refresh_from_db()
        assert record.state == transition.target
        assert record.step_seq == before[1] + 1
        (log,) = StateLog.objects.for_(record).filter(pk__gt=last_log.pk)
        assert (log.by_id, log.transition) == (user.pk, transition.name)
        assert (log.source_state, log.state) == (transition.source, transition.target)
        # A step that asks for no comment keeps none of what was posted.
        hidden = step.comment == "hidden"
        assert log.description == (None if hidden else data[f"{transition.name}-comment"])
    else:
        assert response.status_code == 403
        assert snapshot(record) == before


def check_step_forbidden(
    client: Any, record: Any, name: str, snapshot: Snapshot, *, prefixed: bool = False
) -> Any:
    """The step posted with valid data is forbidden (403) and changes nothing.
    Returns the response."""
    before = snapshot(record)

    response = client.post(
        step_url(record, name), post_data(record, name, seq=record.step_seq, prefixed=prefixed)
    )

    assert response.status_code == 403
    assert snapshot(record) == before
    return response


# --- Query bounds ------------------------------------------------------------------------


def get_within_queries(
    client: Any, url: str, django_assert_max_num_queries: Any, bound: int
) -> tuple[Any, Any]:
    """GET ``url`` (once before, to warm the caches) in at most ``bound`` queries:
    (the response, 200, and the captured queries)."""
    client.get(url)  # warm caches (content types, session) outside the count
    with django_assert_max_num_queries(bound) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, captured


def check_list_page_queries(
    client: Any, url: str, records: list[Any], django_assert_max_num_queries: Any, bound: int
) -> None:
    """The list page, within ``bound`` queries, shows the first 25 of ``records``
    and counts them all."""
    response, _ = get_within_queries(client, url, django_assert_max_num_queries, bound)

    assert len(response.context["records"]) == min(len(records), 25)
    assert response.context["page_obj"].paginator.count == len(records)


def check_record_page_queries(
    client: Any,
    record: Any,
    actions: list[str],
    django_assert_max_num_queries: Any,
    bound: int,
) -> None:
    """The record's page, within ``bound`` queries, shows it with ``actions``."""
    response, _ = get_within_queries(
        client, record.get_absolute_url(), django_assert_max_num_queries, bound
    )

    assert response.context["record"] == record
    assert [a["action"].name for a in response.context["actions"]] == actions


def together(*jobs: Any) -> list[Any]:
    """Run each job in its own thread and connection, released together."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Any] = [None] * len(jobs)

    def run(i: int, job: Any) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[i] = job()
        except Exception as exc:  # the outcome under test
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    return outcomes
