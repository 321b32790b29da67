"""Who reads, attaches to and opens which records, for every process, derived
from its declarations (``read_scope``, ``manager_roles``, ``on_behalf_roles``,
its steps and sign-offs) like the transition matrix.

The read-scope matrix: every role of the company against records in every
state that belong to someone else, through the list, the record page, the
print page and an attachment's download; the owner against their own; a
manager against a record escalated to them. Then who may attach a file (the
owner, the current step's and the sign-off's people, the managers; nobody on
a closed record), who may open a record in someone else's name, and the
list's query bound for a reader the scope limits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import timezone

from tests.contract.cases import (
    MODELS,
    ROLE_CODES,
    has_escalated_scope,
    may_attach,
    model_cases,
    process_roles,
    reads,
    takes_part,
    users_once,
)
from tests.factories import UserFactory
from tests.kits import kit_for
from tests.workflow_checks import refs, url
from workflows.declarations import step_of
from workflows.models import Attachment, Escalation
from workflows.services import attachment_add

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

ATTACH_ERROR = b"Only the record&#x27;s owner, those who take its current step"
CLOSED_ERROR = b"This record is closed: no more files can be attached."
OWN_NAME_ERROR = "You may open a record only in your own name."


def upload(name: str = "spec.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"Colour: Pantone 186 C\n", content_type="text/plain")


def list_url(model: type) -> str:
    return reverse(f"{model._meta.app_label}:{model._meta.model_name}_list")


def print_url(record: Any) -> str | None:
    try:
        return url(record, "print")
    except NoReverseMatch:
        return None


@dataclass
class Scoped:
    """One process's records in every state, all owned by ``owner``, the first
    (in the initial state) with an attachment."""

    owner: Any
    records: list[Any]
    attachment: Attachment


@pytest.fixture(scope="module")
def scoped(
    module_db: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[type, Scoped]]:
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        made = {}
        for model in MODELS:
            kit = kit_for(model)
            owner = UserFactory(roles=[model.creator_roles[0]])
            records = [
                kit.factory(state=state, **{model.owner_field: owner})
                for state in model.State.values
            ]
            attachment = attachment_add(record=records[0], user=owner, upload=upload())
            made[model] = Scoped(owner, records, attachment)
        yield made


def read_cases() -> list[Any]:
    return [
        pytest.param(model, role, id=f"{model.__name__}.{role}")
        for model in MODELS
        for role in ROLE_CODES
    ]


# --- The read-scope matrix -------------------------------------------------------------


@pytest.mark.parametrize(("model", "role"), read_cases())
def test_each_role_reads_what_the_read_scope_gives_it_of_another_owners_records(
    model, role, scoped, role_users, role_clients
):
    user = role_users[role]
    client = role_clients(role)
    data = scoped[model]
    readable = [r for r in data.records if reads(model, {role}, r, user)]

    listing = client.get(list_url(model))

    if takes_part(model, {role}):
        assert listing.status_code == 200
        # Among this owner's records (a kit may open others, e.g. an invoice's order).
        made = {r.reference for r in data.records}
        assert refs(listing) & made == {r.reference for r in readable}
    else:
        assert listing.status_code == 403
    # The first record, its print page and its attachment; and the page of a
    # record of another state the role reads if it does not read the first,
    # or does not read if it does.
    first = data.records[0]
    expected = 200 if first in readable else 403
    addresses = [first.get_absolute_url(), print_url(first), data.attachment.get_absolute_url()]
    for address in filter(None, addresses):
        assert client.get(address).status_code == expected, address
    other = next((r for r in data.records[1:] if (r in readable) != (first in readable)), None)
    if other is not None:
        status = 403 if expected == 200 else 200
        assert client.get(other.get_absolute_url()).status_code == status, other.state


@pytest.mark.parametrize("model", model_cases())
def test_the_owner_reads_their_own_records_as_the_read_scope_says(model, scoped, client_for):
    data = scoped[model]
    owner = data.owner
    roles = {model.creator_roles[0]}
    client = client_for(owner)

    listing = client.get(list_url(model))

    assert listing.status_code == 200
    mine = {r.reference for r in data.records if reads(model, roles, r, owner)}
    # Among the records made here (a kit may open others: a task's plan).
    made = {r.reference for r in data.records}
    assert refs(listing) & made == mine
    for record in (data.records[0], data.records[-1]):
        expected = 200 if reads(model, roles, record, owner) else 403
        assert client.get(record.get_absolute_url()).status_code == expected


ESCALATED_MODELS = model_cases(has_escalated_scope)


def escalate(record: Any, manager: Any) -> Escalation:
    return Escalation.objects.create(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        step_seq=record.step_seq,
        role=process_roles(type(record))[0],
        manager=manager,
        due_at=timezone.now() - dt.timedelta(days=1),
    )


@pytest.mark.parametrize("model", ESCALATED_MODELS)
def test_a_manager_reads_a_record_escalated_to_them_and_no_other(model, scoped, client_for):
    data = scoped[model]
    escalated, other = data.records[0], data.records[1]
    manager = UserFactory()  # named in an escalation rule, with no role in the process
    escalate(escalated, manager)
    client = client_for(manager)

    for address in filter(None, [escalated.get_absolute_url(), print_url(escalated)]):
        assert client.get(address).status_code == 200, address
    assert client.get(data.attachment.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 403
    assert client.get(list_url(model)).status_code == 403  # no role: no list


@pytest.mark.parametrize("model", ESCALATED_MODELS)
def test_a_role_of_the_process_finds_a_record_escalated_to_them_in_the_list(
    model, scoped, client_for
):
    data = scoped[model]
    record = data.records[0]
    role = next(
        (
            r
            for r in process_roles(model)
            if not reads(model, {r}, record, UserFactory.build(pk=-1))
        ),
        None,
    )
    if role is None:
        pytest.skip("every role of the process reads every record")
    manager = UserFactory(roles=[role])
    before = client_for(manager).get(list_url(model))
    assert record.reference not in refs(before)

    escalate(record, manager)

    assert record.reference in refs(client_for(manager).get(list_url(model)))


# --- Who attaches ----------------------------------------------------------------------


def attach(client: Any, record: Any) -> Any:
    return client.post(url(record, "attach"), {"file": upload(), "description": "spec"})


def check_attached(client: Any, record: Any, user: Any) -> None:
    """The page offers the attach form, and a file posted there is kept."""
    page = client.get(record.get_absolute_url())
    assert page.context["may_attach"] is True
    assert url(record, "attach") in page.content.decode()
    before = Attachment.objects.count()

    response = attach(client, record)

    assert response.status_code == 302, response.content[:1000]
    assert Attachment.objects.count() == before + 1
    latest = Attachment.objects.latest("pk")
    assert (latest.object_id, latest.uploaded_by_id) == (record.pk, user.pk)


def check_refused(client: Any, record: Any, message: bytes) -> None:
    """The page offers no attach form, and a file posted anyway is refused
    with ``message`` and kept nowhere."""
    page = client.get(record.get_absolute_url())
    assert page.status_code == 200
    assert page.context["may_attach"] is False
    assert url(record, "attach") not in page.content.decode()
    before = Attachment.objects.count()

    response = attach(client, record)

    assert response.status_code == 403
    assert message in response.content
    assert Attachment.objects.count() == before


def free_step(model: type) -> Any:
    """The first step expected of someone, with no record rule."""
    return next(
        t for t in model.workflow_transitions() if step_of(t).inbox and step_of(t).rule is None
    )


@pytest.mark.parametrize("model", model_cases())
def test_the_owner_attaches_to_an_open_record_and_never_to_a_closed_one(
    model, client_for, media_root
):
    kit = kit_for(model)
    owner = UserFactory(roles=[model.creator_roles[0]])
    client = client_for(owner)
    closed_state = sorted(model.final_states)[0]

    check_attached(client, kit.factory(**{model.owner_field: owner}), owner)
    check_refused(
        client, kit.factory(state=closed_state, **{model.owner_field: owner}), CLOSED_ERROR
    )


@pytest.mark.parametrize("model", model_cases())
def test_a_role_of_the_current_step_attaches(model, client_for, media_root):
    transition = free_step(model)
    record = kit_for(model).factory(state=transition.source)
    user = UserFactory(roles=[step_of(transition).roles[0]])

    check_attached(client_for(user), record, user)


@pytest.mark.parametrize("model", model_cases(lambda m: bool(m.sign_off_steps)))
def test_a_department_of_the_sign_off_attaches(model, client_for, media_root):
    state, spec = next(iter(model.sign_off_steps.items()))
    record = kit_for(model).factory(state=state)
    user = UserFactory(roles=[spec.roles[-1]])

    check_attached(client_for(user), record, user)


@pytest.mark.parametrize("model", model_cases(lambda m: bool(m.manager_roles)))
def test_a_manager_of_the_process_attaches_to_any_open_record(model, client_for, media_root):
    kit = kit_for(model)
    user = UserFactory(roles=[model.manager_roles[0]])
    client = client_for(user)

    for state in (model.State.values[0], free_step(model).source):
        check_attached(client, kit.factory(state=state), user)
    closed = kit.factory(state=sorted(model.final_states)[0])
    check_refused(client, closed, CLOSED_ERROR)


@pytest.mark.parametrize("model", model_cases())
def test_a_reader_who_is_neither_owner_nor_on_the_step_nor_manager_may_not_attach(
    model, client_for, media_root
):
    record = kit_for(model).factory()
    probe = UserFactory.build(pk=-1)
    role = next(
        (
            r
            for r in ROLE_CODES
            if reads(model, {r}, record, probe)
            and takes_part(model, {r})
            and not may_attach(model, {r}, record, probe)
        ),
        None,
    )
    assert role is not None, "every reader of the process may attach"
    user = UserFactory(roles=[role])
    assert reads(model, {role}, record, user) and not may_attach(model, {role}, record, user)

    check_refused(client_for(user), record, ATTACH_ERROR)


# --- Who opens records for others ------------------------------------------------------


def create_url(model: type) -> str:
    return reverse(f"{model._meta.app_label}:{model._meta.model_name}_create")


def creation_cases(on_behalf: bool) -> list[Any]:
    """Models whose creation form names the owner, with a creator role that
    may (``on_behalf``) or may not open records for others."""
    cases = []
    for model in MODELS:
        if model.create_form is None:
            continue  # opened by a page of its own (a notice from its order's page)
        try:
            view = resolve(create_url(model)).func
        except NoReverseMatch:
            continue
        form_class = view.view_class(**view.view_initkwargs).get_form_class()
        if model.owner_field not in form_class.base_fields:
            continue
        roles = [r for r in model.creator_roles if (r in model.on_behalf_roles) == on_behalf]
        if roles:
            cases.append(pytest.param(model, roles[0], id=f"{model.__name__}.{roles[0]}"))
    return cases


def owner_role_member(model: type) -> Any:
    return UserFactory(roles=[model.owner_role] if model.owner_role else [])


@pytest.mark.parametrize(("model", "role"), creation_cases(on_behalf=False))
def test_a_creator_who_may_not_create_for_others_opens_records_in_their_own_name_only(
    model, role, client_for
):
    kit = kit_for(model)
    assert kit.create_data is not None, f"{model.__name__}'s kit needs create_data(owner)"
    user = UserFactory(roles=sorted({role, model.owner_role or role}))
    other = owner_role_member(model)
    client = client_for(user)
    before = model.objects.count()

    form = client.get(create_url(model)).context["form"]
    assert list(form.fields[model.owner_field].queryset) == [user]

    forged = client.post(create_url(model), kit.create_data(other))

    assert forged.status_code == 400
    assert forged.context["form"].errors[model.owner_field] == [OWN_NAME_ERROR]
    assert OWN_NAME_ERROR in forged.content.decode()
    assert model.objects.count() == before

    mine = client.post(create_url(model), kit.create_data(user))

    assert mine.status_code == 302
    record = model.objects.latest("pk")
    assert (record.owner_id, record.created_by_id) == (user.pk, user.pk)


@pytest.mark.parametrize(("model", "role"), creation_cases(on_behalf=True))
def test_a_role_that_may_create_for_others_opens_a_record_in_another_name(model, role, client_for):
    kit = kit_for(model)
    assert kit.create_data is not None, f"{model.__name__}'s kit needs create_data(owner)"
    user = UserFactory(roles=[role])
    other = owner_role_member(model)
    client = client_for(user)

    form = client.get(create_url(model)).context["form"]
    assert other in form.fields[model.owner_field].queryset

    response = client.post(create_url(model), kit.create_data(other))

    assert response.status_code == 302, response.content[:2000]
    record = model.objects.latest("pk")
    assert (record.owner_id, record.created_by_id) == (other.pk, user.pk)


# --- The list's query bound for a reader the scope limits ------------------------------


@pytest.fixture(
    scope="module",
    params=[(model, size) for model in MODELS for size in (10, 100)],
    ids=lambda p: f"{p[0].__name__}-{p[1]}_records",
)
def owned(request: Any, module_db: None, django_db_blocker: Any) -> Iterator[tuple]:
    """``size`` records of one owner among as many of others'."""
    model, size = request.param
    kit = kit_for(model)
    with django_db_blocker.unblock(), transaction.atomic():
        users = users_once()
        owner = users(model.creator_roles[0])
        others = UserFactory.create_batch(3, roles=[model.creator_roles[0]])
        mine = [kit.factory(**{model.owner_field: owner}) for _ in range(size)]
        for i in range(size):
            kit.factory(**{model.owner_field: others[i % 3]})
        yield model, owner, mine
        transaction.set_rollback(True)


def test_the_list_of_a_reader_the_scope_limits_makes_a_fixed_number_of_queries(
    owned, client_for, django_assert_max_num_queries
):
    model, owner, mine = owned
    address = list_url(model)
    client = client_for(owner)
    client.get(address)  # warm caches (content types, session) outside the count
    roles = {model.creator_roles[0]}
    expected = [r for r in model.objects.all() if reads(model, roles, r, owner)]

    with django_assert_max_num_queries(kit_for(model).max_queries["list"]):
        response = client.get(address)

    assert response.context["page_obj"].paginator.count == len(expected)
    assert {r.pk for r in mine} <= {r.pk for r in expected}
