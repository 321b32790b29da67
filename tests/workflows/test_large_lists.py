"""The list page and the admin changelist never count the whole table: an exact
count up to a bound, then an estimate or "more than"; page n reads the keys before
it, not the rows. The engine's indexes match the default order and the inbox's
filter of every process model."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samples.models import SampleOrder
from tests.samples.kit import SampleOrderFactory
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from workflows import pagination
from workflows.models import Notification
from workflows.registry import process_models

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

COUNT = re.compile(r"\bCOUNT\(", re.IGNORECASE)
LIMIT = re.compile(r"\bLIMIT\b", re.IGNORECASE)


def counts(queries: list[dict[str, Any]], model: type) -> list[str]:
    """The counts over ``model``'s table (not the bell's count of unread notes)."""
    table = f'"{model._meta.db_table}"'
    return [q["sql"] for q in queries if COUNT.search(q["sql"]) and table in q["sql"]]


def unbounded_counts(queries: list[dict[str, Any]], model: type) -> list[str]:
    """The counts that read every matching row: no LIMIT inside."""
    return [sql for sql in counts(queries, model) if not LIMIT.search(sql)]


def get(client: Any, url: str, **params: Any) -> tuple[Any, list[dict[str, Any]]]:
    client.get(url, params)  # warm the caches (session, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return response, captured.captured_queries


@pytest.fixture
def jobs(role_user: Any) -> tuple[Any, list[Job]]:
    user = role_user("sales")
    JobFactory.create_batch(30, requester=user)
    # The list's order: newest first.
    return user, list(Job.objects.order_by("-created_at", "-pk"))


def test_a_long_list_says_more_than_or_about_and_never_counts_the_table(
    jobs, client_for, monkeypatch
):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 10)
    user, ordered = jobs
    client = client_for(user)
    url = reverse("testflows:job_list")

    first, first_queries = get(client, url)
    second, second_queries = get(client, url, page=2)
    past, _ = get(client, url, page=3)

    assert counts(first_queries, Job), "the bounded count runs"
    for queries in (first_queries, second_queries):
        assert unbounded_counts(queries, Job) == []
    paginator = first.context["page_obj"].paginator
    assert not paginator.count_exact
    assert paginator.count > 10
    text = first.content.decode()
    if connection.vendor == "postgresql":
        assert paginator.count_estimated
        assert f"About {paginator.count} records" in text
        assert "Page 1 of about" in text
    else:
        assert paginator.count_more_than
        assert "More than 10 records" in text
        assert "Page 1</span>" in text
    assert list(first.context["records"]) == ordered[:25]
    assert first.context["page_obj"].has_next()
    assert "?page=2" in text
    assert list(second.context["records"]) == ordered[25:]
    assert not second.context["page_obj"].has_next()
    assert second.context["page_obj"].has_previous()
    assert (second.context["page_obj"].start_index(), second.context["page_obj"].end_index()) == (
        26,
        30,
    )
    # A page past the end, count unknown: the first page.
    assert past.context["page_obj"].number == 1


def test_page_n_reads_the_keys_before_it_then_joins_only_its_rows(jobs, client_for):
    user, ordered = jobs
    response, queries = get(client_for(user), reverse("testflows:job_list"), page=2)

    page_sql = [q["sql"] for q in queries if "OFFSET 25" in q["sql"]]
    assert len(page_sql) == 1
    # The outer query joins the rows; the offset is taken in a subquery of keys.
    assert re.search(r"\bIN \(SELECT\b", page_sql[0], re.IGNORECASE)
    assert list(response.context["records"]) == ordered[25:]


def test_a_short_list_counts_exactly_and_keeps_its_pages(jobs, client_for):
    user, ordered = jobs
    client = client_for(user)
    url = reverse("testflows:job_list")

    first, _ = get(client, url)
    past, _ = get(client, url, page=9)

    paginator = first.context["page_obj"].paginator
    assert paginator.count_exact and paginator.count == 30
    assert "30 records" in first.content.decode()
    assert "Page 1 of 2" in first.content.decode()
    # Past the end with an exact count: the last page, as before.
    assert past.context["page_obj"].number == 2
    assert list(past.context["records"]) == ordered[25:]


def test_a_list_of_one_page_makes_no_count_at_all(role_user, client_for):
    user = role_user("sales")
    JobFactory.create_batch(3, requester=user)

    response, queries = get(client_for(user), reverse("testflows:job_list"))

    assert counts(queries, Job) == []
    assert response.context["page_obj"].paginator.count == 3
    assert "3 records" in response.content.decode()


def test_the_admin_changelist_never_counts_the_table(role_user, client_for, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 15)
    model_admin = admin.site._registry[SampleOrder]
    monkeypatch.setattr(model_admin, "list_per_page", 10)
    superuser = role_user("sales")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    SampleOrderFactory.create_batch(25, salesperson=superuser)
    ordered = list(SampleOrder.objects.order_by("-created_at", "-pk"))
    client = client_for(superuser)
    url = reverse("admin:samples_sampleorder_changelist")

    first, first_queries = get(client, url)
    third, third_queries = get(client, url, p=3)
    searched, searched_queries = get(client, url, q="Product")

    for queries in (first_queries, third_queries, searched_queries):
        assert unbounded_counts(queries, SampleOrder) == []
    assert first.context["cl"].full_result_count is None
    assert first.context["cl"].result_count > 15
    assert list(first.context["cl"].result_list) == ordered[:10]
    assert list(third.context["cl"].result_list) == ordered[20:]
    assert len(searched.context["cl"].result_list) == 10


def test_every_process_model_has_the_indexes_of_its_list_and_inbox():
    for model in [*process_models(), Job]:
        fields = [list(index.fields) for index in model._meta.indexes]
        assert ["-created_at", "-id"] in fields, model
        assert [model.owner_field, "state", "step_due_at"] in fields, model
        assert [model.owner_field, "step_due_at", "created_at"] in fields, model
        assert ["state", "step_due_at"] in fields, model
    notification_fields = [list(i.fields) for i in Notification._meta.indexes]
    assert ["recipient", "-created_at", "-id"] in notification_fields


def test_the_count_and_the_pages_are_said_in_chinese(jobs, client_for, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 10)
    user, _ordered = jobs

    response = client_for(user, language="zh-hans").get(reverse("testflows:job_list"))

    text = response.content.decode()
    count = response.context["page_obj"].paginator.count
    if connection.vendor == "postgresql":
        assert f"约 {count} 条记录" in text and "第 1 页，约" in text
    else:
        assert "超过 10 条记录" in text and "第 1 页</span>" in text


def test_the_notifications_page_pages_without_counting_them_all(role_user, client_for, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 10)
    user = role_user("sales")
    Notification.objects.bulk_create(
        Notification(recipient=user, key=f"k{n}", message=f"Note {n:02d}") for n in range(35)
    )
    newest = list(Notification.objects.filter(recipient=user).order_by("-created_at", "-pk"))
    url = reverse("workflows:notifications")
    client = client_for(user)

    first, first_queries = get(client, url)
    second, second_queries = get(client, url, page=2)

    for queries in (first_queries, second_queries):
        # The bell's count of the unread ones stays; the page never counts them all.
        assert [
            sql for sql in unbounded_counts(queries, Notification) if '"read_at" IS NULL' not in sql
        ] == []
    assert list(first.context["page_obj"]) == newest[:30]
    assert list(second.context["page_obj"]) == newest[30:]
    assert not second.context["page_obj"].has_next()
