"""The pages every process gets: the list with its filters (state, overdue,
mine) and search by reference, who may open the list (every role of the
process and the managers; nobody else; anonymous users are sent to the
login page; which records each of them reads is test_contract_scopes.py's),
who may create, the inbox row of a waiting record, and the Chinese
interface."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests.contract.cases import (
    has_create_page,
    model_cases,
    non_creator_cases,
    outsider_cases,
    reads,
    reads_every_record,
    viewer_cases,
)
from tests.factories import UserFactory
from tests.kits import kit_for, snapshot
from tests.workflow_checks import refs, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MODELS = model_cases()


def page(model: type, action: str) -> str:
    """The model's ``list`` or ``create`` URL."""
    return reverse(f"{model._meta.app_label}:{model._meta.model_name}_{action}")


@pytest.fixture
def viewer(role_user: Any) -> Any:
    """Someone with a role in the process who reads every record of it (its
    read scope says who), for the model of the test."""

    def of(model: type) -> Any:
        return role_user(reads_every_record(model))

    return of


def open_states(model: type) -> list[str]:
    return [s for s in model.State.values if s not in model.final_states]


# --- The list: records, filters, search -----------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_list_shows_every_record_to_a_user_with_a_role_in_the_process(model, viewer, client_for):
    kit = kit_for(model)
    records = [kit.factory() for _ in range(3)]

    response = client_for(viewer(model)).get(page(model, "list"))

    assert response.status_code == 200
    assert refs(response) == {r.reference for r in records}
    html = response.content.decode()
    for record in records:
        assert record.get_absolute_url() in html
        for text in kit.list_texts(record):
            assert text in html, text


@pytest.mark.parametrize("model", MODELS)
def test_list_filter_by_state_keeps_only_records_in_those_states(model, viewer, client_for):
    kit = kit_for(model)
    first, second, third = model.State.values[:3]
    initial = kit.factory(state=first)
    middle = kit.factory(state=second)
    other = kit.factory(state=third)
    client = client_for(viewer(model))

    assert refs(client.get(page(model, "list"), {"state": second})) == {middle.reference}
    both = client.get(page(model, "list"), {"state": [second, third]})
    assert refs(both) == {middle.reference, other.reference}
    assert initial.reference not in refs(both)


@pytest.mark.parametrize("model", MODELS)
def test_list_overdue_filter_keeps_open_records_past_their_step_deadline(model, viewer, client_for):
    kit = kit_for(model)
    state = open_states(model)[-1]
    late = kit.factory(state=state)
    on_time = kit.factory(state=state)
    closed_late = kit.factory(state=sorted(model.final_states)[0])
    no_deadline = kit.factory()
    past = timezone.now() - dt.timedelta(hours=3)
    model.objects.filter(pk__in=[late.pk, closed_late.pk]).update(step_due_at=past)
    model.objects.filter(pk=on_time.pk).update(step_due_at=past + dt.timedelta(days=2))
    model.objects.filter(pk=no_deadline.pk).update(step_due_at=None)
    client = client_for(viewer(model))

    response = client.get(page(model, "list"), {"overdue": "true"})

    assert refs(response) == {late.reference}
    everything = refs(client.get(page(model, "list")))
    assert everything == {r.reference for r in (late, on_time, closed_late, no_deadline)}


@pytest.mark.parametrize("model", MODELS)
def test_list_filter_mine_keeps_the_records_the_user_is_responsible_for(model, viewer, client_for):
    kit = kit_for(model)
    user = viewer(model)
    mine = [kit.factory(**{model.owner_field: user}) for _ in range(2)]
    theirs = kit.factory()
    client = client_for(user)

    response = client.get(page(model, "list"), {"mine": "true"})

    assert refs(response) == {r.reference for r in mine}
    assert theirs.reference in refs(client.get(page(model, "list"), {"mine": ""}))


@pytest.mark.parametrize("model", MODELS)
def test_list_search_by_reference(model, viewer, client_for):
    kit = kit_for(model)
    first, second = kit.factory(), kit.factory()

    response = client_for(viewer(model)).get(page(model, "list"), {"q": second.reference.lower()})

    assert refs(response) == {second.reference}
    assert first.reference not in response.content.decode()


# --- Who may see what ------------------------------------------------------------------


@pytest.mark.parametrize(("model", "roles"), outsider_cases())
def test_user_without_a_role_in_the_process_is_forbidden(model, roles, client_for):
    record = kit_for(model).factory()
    client = client_for(UserFactory(roles=roles))

    for address in [page(model, "list"), record.get_absolute_url()]:
        assert client.get(address).status_code == 403, address


@pytest.mark.parametrize(("model", "role"), viewer_cases())
def test_every_role_of_the_process_and_the_managers_may_open_the_list(
    model, role, role_user, client_for
):
    user = role_user(role)
    record = kit_for(model).factory(**{model.owner_field: user})
    client = client_for(user)

    assert client.get(page(model, "list")).status_code == 200
    # Their own record as the read scope says; another's: test_contract_scopes.py.
    expected = 200 if reads(model, {role}, record, user) else 403
    assert client.get(record.get_absolute_url()).status_code == expected


@pytest.mark.parametrize(("model", "role"), non_creator_cases())
def test_create_is_forbidden_to_a_role_of_the_process_that_does_not_create(
    model, role, role_user, client_for
):
    client = client_for(role_user(role))
    before = model.objects.count()

    assert client.get(page(model, "create")).status_code == 403
    assert client.post(page(model, "create"), {}).status_code == 403
    assert model.objects.count() == before


@pytest.mark.parametrize("model", MODELS)
def test_anonymous_users_are_sent_to_the_login_page_everywhere(model, client_for):
    record = kit_for(model).factory()
    before = snapshot(record)
    opts = model._meta
    client = client_for(None)
    gets = [
        reverse("workflows:inbox"),
        reverse("workflows:notifications"),
        reverse("workflows:diagram", args=[opts.app_label, opts.model_name]),
        page(model, "list"),
        *([page(model, "create")] if has_create_page(model) else []),
        record.get_absolute_url(),
    ]
    posts = [
        url(record, "step", name=record.workflow_transitions()[0].name),
        url(record, "sign"),
        url(record, "attach"),
        *([page(model, "create")] if has_create_page(model) else []),
        reverse("workflows:notifications_read"),
    ]
    login = reverse("login")

    for address in gets:
        response = client.get(address)
        assert response.status_code == 302, address
        assert response.url.startswith(f"{login}?next="), address
    for address in posts:
        response = client.post(address, {"comment": "x", "_seq": record.step_seq})
        assert response.status_code == 302, address
        assert response.url.startswith(f"{login}?next="), address
    assert client.get(login).status_code == 200
    assert snapshot(record) == before


# --- The inbox ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_inbox_names_what_each_waiting_record_is_about(model, role_user, client_for):
    crowd = kit_for(model).crowd(1, role_user)
    (record,) = crowd.records
    assert record.subject

    response = client_for(crowd.user).get(reverse("workflows:inbox"))

    (row,) = [r for _section, r in response.context["rows"] if r.pk == record.pk]
    html = response.content.decode()
    start = html.index(f'<a href="{record.get_absolute_url()}">')
    assert record.subject in html[start : html.index("</tr>", start)]
    assert row.reference == record.reference


# --- The Chinese interface --------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_chinese_interface_renders_the_list_and_record_pages(model, viewer, client_for):
    record = kit_for(model).factory()
    client = client_for(viewer(model), language="zh-hans")

    listed = client.get(page(model, "list"))
    shown = client.get(record.get_absolute_url())

    for response in (listed, shown):
        assert response.status_code == 200
        assert '<html lang="zh-hans">' in response.content.decode()
        assert response["Content-Language"] == "zh-hans"
    assert record.reference in shown.content.decode()
    with translation.override("zh-hans"):
        name, state = str(model.process_name()), translation.gettext("State")
    with translation.override("en"):
        assert name != str(model.process_name()), "the process has no Chinese name"
    assert state == "状态"
    html = listed.content.decode()
    assert name in html
    assert state in html
