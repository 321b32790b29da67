"""The pages people open all day make a fixed number of queries, however many
records there are: for every process, the same bound holds for the list, the
inbox and the record page with 10 and with 100 records waiting for one user
(the kit's crowd)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from tests.contract.cases import MODELS, users_once
from tests.kits import Crowd, kit_for
from tests.workflow_checks import (
    check_list_page_queries,
    check_record_page_queries,
    get_within_queries,
)
from workflows.selectors import INBOX_PAGE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(
    scope="module",
    params=[(model, size) for model in MODELS for size in (10, 100)],
    ids=lambda p: f"{p[0].__name__}-{p[1]}_records",
)
def crowd(request: Any, module_db: None, django_db_blocker: Any) -> Iterator[tuple[type, Crowd]]:
    """The kit's crowd of 10 or 100 records for one process, made once for the
    three pages, in a savepoint of the module's transaction that is rolled
    back before the next crowd."""
    model, size = request.param
    with django_db_blocker.unblock(), transaction.atomic():
        yield model, kit_for(model).crowd(size, users_once())
        transaction.set_rollback(True)


def test_list_page_queries_do_not_grow_with_the_records(
    crowd, client_for, django_assert_max_num_queries
):
    model, crowd = crowd
    kit = kit_for(model)
    opts = model._meta

    check_list_page_queries(
        client_for(crowd.user),
        reverse(f"{opts.app_label}:{opts.model_name}_list"),
        crowd.records,
        django_assert_max_num_queries,
        kit.max_queries["list"],
    )


def test_inbox_queries_do_not_grow_with_the_records(
    crowd, client_for, django_assert_max_num_queries
):
    model, crowd = crowd
    kit = kit_for(model)

    response, _ = get_within_queries(
        client_for(crowd.user),
        reverse("workflows:inbox"),
        django_assert_max_num_queries,
        kit.max_queries["inbox"],
    )

    (section,) = [s for s in response.context["sections"] if s.model is model]
    assert section.count == len(crowd.records)
    # At most a page of the section, with a link to the rest.
    assert len(response.context["rows"]) == min(len(crowd.records), INBOX_PAGE)
    more = f'data-testid="more-{model._meta.label_lower}"'
    assert (more in response.content.decode()) == (len(crowd.records) > INBOX_PAGE)


def test_record_page_queries_do_not_grow_with_the_records(
    crowd, client_for, django_assert_max_num_queries
):
    model, crowd = crowd
    kit = kit_for(model)

    check_record_page_queries(
        client_for(crowd.user),
        crowd.records[len(crowd.records) // 2],
        crowd.actions,
        django_assert_max_num_queries,
        kit.max_queries["record"],
    )
