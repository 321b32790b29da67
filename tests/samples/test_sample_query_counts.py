"""The pages people open all day make a fixed number of queries, however many
records there are: the same bound holds with 10 and with 100 records."""

from __future__ import annotations

import pytest
from django.urls import reverse
from factories import CustomerFactory, SampleOrderFactory, UserFactory
from workflow_checks import check_list_page_queries, check_record_page_queries, get_within_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# One bound per page, the same for every number of records. Measured: list 9,
# inbox 7-8 (a count query once there are more than it shows), record 12; the
# margin is smaller than the 10 queries a per-row lookup would add.
MAX_QUERIES = {"list": 12, "inbox": 11, "record": 15}


@pytest.fixture(params=[10, 100], ids=lambda n: f"{n}_records")
def clerk_with_inbox(request, role_user):
    """A sales assistant with ``n`` requests waiting for a work order, spread
    over several customers and salespeople."""
    clerk = role_user("sales_assistant")
    customers = CustomerFactory.create_batch(3)
    sales = UserFactory.create_batch(3, roles=["sales"])
    records = [
        SampleOrderFactory(customer=customers[i % 3], salesperson=sales[i % 3])
        for i in range(request.param)
    ]
    return clerk, records


def test_list_page_queries_do_not_grow_with_the_records(
    clerk_with_inbox, client_for, django_assert_max_num_queries
):
    clerk, records = clerk_with_inbox
    check_list_page_queries(
        client_for(clerk),
        reverse("samples:sampleorder_list"),
        records,
        django_assert_max_num_queries,
        MAX_QUERIES["list"],
    )


def test_inbox_queries_do_not_grow_with_the_records(
    clerk_with_inbox, client_for, django_assert_max_num_queries
):
    clerk, records = clerk_with_inbox
    response, _ = get_within_queries(
        client_for(clerk),
        reverse("workflows:inbox"),
        django_assert_max_num_queries,
        MAX_QUERIES["inbox"],
    )
    (section,) = [s for s in response.context["sections"] if s.key == "samples.sampleorder"]
    assert section.count == len(records)
    assert len(response.context["rows"]) >= min(len(records), 50)


def test_record_page_queries_do_not_grow_with_the_records(
    clerk_with_inbox, client_for, django_assert_max_num_queries
):
    clerk, records = clerk_with_inbox
    check_record_page_queries(
        client_for(clerk),
        records[len(records) // 2],
        ["issue_work_order"],
        django_assert_max_num_queries,
        MAX_QUERIES["record"],
    )
