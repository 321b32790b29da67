"""A long list's "next" and "previous" links carry the row the page ends or
starts with, and the page reads from that row on: the same rows as the page by
number, ties on created_at included, in the same number of queries on every page,
with no OFFSET. A sorted list keeps page numbers; a cursor that does not parse or
leads nowhere gives a page, never an error."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from workflows import pagination
from workflows.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PER_PAGE = 25
LINK = re.compile(r'<a class="page-link" href="([^"]*)">(Previous|Next)</a>')
OFFSET = re.compile(r"\bOFFSET\b", re.IGNORECASE)


def links(response: Any) -> dict[str, str]:
    """The page's previous and next links, by their label."""
    return {label: html.unescape(href) for href, label in LINK.findall(response.content.decode())}


def params(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def get(client: Any, url: str, query: str = "") -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url + query)
    assert response.status_code == 200
    return response, [q["sql"] for q in captured.captured_queries]


def page_sql(queries: list[str], model: type) -> list[str]:
    """The queries that read the page's rows (not the count or the estimate)."""
    table = f'"{model._meta.db_table}"'
    return [
        sql
        for sql in queries
        if sql.lstrip().upper().startswith("SELECT")
        and f"FROM {table}" in sql
        and "COUNT(" not in sql.upper()
        and "LIMIT" in sql.upper()
    ]


def rows(response: Any) -> list[int]:
    return [r.pk for r in response.context["page_obj"].object_list]


def with_ties(records: list[Any], model: type) -> None:
    """Eleven creation times shared by the records, out of step with their ids, so
    that rows of one time straddle the pages."""
    base = timezone.now().replace(microsecond=123456)
    for i, record in enumerate(records):
        model.objects.filter(pk=record.pk).update(created_at=base - timedelta(minutes=(i * 7) % 11))


@pytest.fixture
def long_list(role_user: Any, monkeypatch: Any) -> tuple[Any, list[int]]:
    """82 jobs of one requester (four pages, the last of 7 rows), beyond the exact
    count, with ties on created_at; their ids in the list's order."""
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 10)
    user = role_user("sales")
    with_ties(JobFactory.create_batch(82, requester=user), Job)
    ordered = list(Job.objects.order_by("-created_at", "-pk").values_list("pk", flat=True))
    return user, ordered


def walk_forward(client: Any, url: str, start: str = "") -> list[tuple[Any, list[str]]]:
    pages = [get(client, url, start)]
    while "Next" in links(pages[-1][0]):
        pages.append(get(client, url, links(pages[-1][0])["Next"]))
        assert len(pages) < 10
    return pages


def test_walking_forward_by_cursor_gives_the_pages_by_number(long_list, client_for):
    user, ordered = long_list
    client = client_for(user)
    url = reverse("testflows:job_list")

    pages = walk_forward(client, url)

    assert len(pages) == 4
    for number, (response, queries) in enumerate(pages, start=1):
        assert response.context["page_obj"].number == number
        assert rows(response) == ordered[(number - 1) * PER_PAGE : number * PER_PAGE]
        by_number, _ = get(client, url, f"?page={number}")
        assert rows(by_number) == rows(response)
        if number > 1:
            # Read from the cursor down the index: no row skipped by OFFSET.
            assert [sql for sql in page_sql(queries, Job) if OFFSET.search(sql)] == []
            assert response.context["page_obj"].has_previous()
    hrefs = [links(r)["Next"] for r, _ in pages[:-1]]
    assert [params(h)["page"] for h in hrefs] == ["2", "3", "4"]
    assert all(re.fullmatch(r"\d+_\d+", params(h)["after"]) for h in hrefs)
    last = pages[-1][0]
    assert not last.context["page_obj"].has_next()
    assert len(rows(last)) == 7
    assert (last.context["page_obj"].start_index(), last.context["page_obj"].end_index()) == (
        76,
        82,
    )


def test_walking_back_by_cursor_gives_the_same_pages(long_list, client_for):
    user, ordered = long_list
    client = client_for(user)
    url = reverse("testflows:job_list")
    last = walk_forward(client, url)[-1][0]

    seen = [rows(last)]
    response = last
    while "Previous" in links(response):
        href = links(response)["Previous"]
        response, queries = get(client, url, href)
        seen.append(rows(response))
        number = response.context["page_obj"].number
        if number > 1:
            assert "before" in params(href)
            assert [sql for sql in page_sql(queries, Job) if OFFSET.search(sql)] == []
        else:
            # Back to the first page: a plain link, no cursor.
            assert "before" not in params(href) and "after" not in params(href)
        assert len(seen) < 10

    assert seen[::-1] == [ordered[i : i + PER_PAGE] for i in range(0, len(ordered), PER_PAGE)]


def test_a_cursor_page_costs_the_same_queries_wherever_it_is(role_user, client_for, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 10)
    user = role_user("sales")
    client = client_for(user)
    url = reverse("testflows:job_list")

    def cursor_page_costs() -> list[int]:
        pages = walk_forward(client, url)
        # Every cursor page but the last (it may be short), warm caches aside.
        return [len(queries) for _response, queries in pages[1:-1]]

    JobFactory.create_batch(60, requester=user)
    small = cursor_page_costs()
    JobFactory.create_batch(120, requester=user)
    large = cursor_page_costs()

    assert len(small) == 1 and len(large) == 6
    assert set(large) == set(small), (small, large)


def test_a_list_read_through_its_scope_pages_only_what_the_user_reads(
    role_user, client_for, monkeypatch
):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 10)
    user = role_user("sales")
    other = JobFactory.create_batch(40)  # other requesters, the same times
    mine = JobFactory.create_batch(40, requester=user)
    with_ties([j for pair in zip(other, mine, strict=True) for j in pair], Job)
    ordered = list(
        Job.objects.filter(requester=user)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )

    pages = walk_forward(client_for(user), reverse("testflows:job_list"))

    assert [pk for response, _ in pages for pk in rows(response)] == ordered


def test_filters_search_and_the_cursor_travel_together(long_list, client_for):
    user, _ordered = long_list
    client = client_for(user)
    url = reverse("testflows:job_list")
    Job.objects.filter(pk__in=Job.objects.order_by("pk").values("pk")[:50]).update(
        title="Packed in pairs"
    )
    wanted = list(
        Job.objects.filter(title__icontains="pairs", state="new")
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )

    pages = walk_forward(client, url, "?q=pairs&state=new")

    assert [pk for response, _ in pages for pk in rows(response)] == wanted
    second = pages[1][0]
    assert params(links(pages[0][0])["Next"])["q"] == "pairs"
    tools = second.context
    # Sorting, exporting or saving the filter starts from the list, not the cursor.
    for heading in tools["headings"]:
        assert "after" not in heading["url"] and "page=" not in heading["url"]
    for export in tools["exports"]:
        assert "after" not in export["url"]
    assert "after" not in tools["save_query"] and "q=pairs" in tools["save_query"]


def test_a_sorted_list_keeps_page_numbers_and_ignores_a_cursor(long_list, client_for):
    user, _ordered = long_list
    client = client_for(user)
    url = reverse("testflows:job_list")
    by_reference = list(Job.objects.order_by("reference", "pk").values_list("pk", flat=True))

    first, _ = get(client, url, "?sort=reference")
    cursor = params(links(get(client, url)[0])["Next"])["after"]
    second, queries = get(client, url, f"?sort=reference&page=2&after={cursor}")

    assert params(links(first)["Next"]) == {"sort": "reference", "page": "2"}
    assert rows(second) == by_reference[PER_PAGE : 2 * PER_PAGE]
    assert [sql for sql in page_sql(queries, Job) if OFFSET.search(sql)]


def test_a_short_list_pages_by_number(role_user, client_for):
    user = role_user("sales")
    JobFactory.create_batch(30, requester=user)
    client = client_for(user)
    url = reverse("testflows:job_list")
    ordered = list(Job.objects.order_by("-created_at", "-pk").values_list("pk", flat=True))

    first, _ = get(client, url)
    # A cursor on a list within the exact count is not needed: the page by number.
    stale, _ = get(client, url, "?page=2&after=1_1")

    assert params(links(first)["Next"]) == {"page": "2"}
    assert rows(stale) == ordered[PER_PAGE:]


MALFORMED = [
    "garbage",
    "",
    "1_2_3",
    "12",
    "1.5_2",
    " 1_2",
    "1__2",
    "+1_2",
    "99999999999999999999_1",  # past a bigint
    "1_9223372036854775808",
    "9223372036854775807_1",  # past the last date a datetime holds
    "-9223372036854775807_1",
    "x" * 5000,
]


def test_a_malformed_cursor_gives_the_page_by_its_number(long_list, client_for):
    user, ordered = long_list
    client = client_for(user)
    url = reverse("testflows:job_list")

    for direction in ("after", "before"):
        for cursor in MALFORMED:
            response, _ = get(client, url, f"?page=2&{direction}={cursor}")

            assert rows(response) == ordered[PER_PAGE : 2 * PER_PAGE], (direction, cursor)
            assert response.context["page_obj"].number == 2


def test_a_cursor_that_leads_nowhere_gives_page_one(long_list, client_for):
    user, ordered = long_list
    client = client_for(user)
    url = reverse("testflows:job_list")
    oldest = Job.objects.get(pk=ordered[-1])
    paginator = pagination.LargeTablePaginator(
        Job.objects.order_by("-created_at", "-pk"), PER_PAGE, keyset=("created_at", "pk")
    )
    past_the_end = paginator.cursor_of(oldest)
    newest = Job.objects.get(pk=ordered[0])
    before_the_start = paginator.cursor_of(newest)
    third_row = paginator.cursor_of(Job.objects.get(pk=ordered[3]))

    after_all, _ = get(client, url, f"?page=5&after={past_the_end}")
    before_all, _ = get(client, url, f"?page=2&before={before_the_start}")
    near_start, _ = get(client, url, f"?page=2&before={third_row}")
    future, _ = get(client, url, "?page=7&after=32503680000000000_1")  # 3000-01-01
    below_every_id, _ = get(client, url, "?page=3&after=1_-9223372036854775807")

    for response in (after_all, before_all, near_start, below_every_id):
        assert response.context["page_obj"].number == 1
        assert rows(response) == ordered[:PER_PAGE]
    # A position newer than every row: the rows from the start, under the link's number.
    assert rows(future) == ordered[:PER_PAGE]


def test_the_cursor_keeps_microseconds_and_ties(long_list):
    _user, ordered = long_list
    paginator = pagination.LargeTablePaginator(
        Job.objects.order_by("-created_at", "-pk"), PER_PAGE, keyset=("created_at", "pk")
    )
    record = Job.objects.get(pk=ordered[30])

    values = paginator.cursor_values(paginator.cursor_of(record))

    assert values == [record.created_at, record.pk]
    assert record.created_at.microsecond == 123456
    # Another order, or none matching the keyset: no cursors.
    assert (
        pagination.LargeTablePaginator(
            Job.objects.order_by("reference"), PER_PAGE, keyset=("created_at", "pk")
        ).keyset
        is None
    )
    with pytest.raises(ValueError):
        pagination.LargeTablePaginator(
            Job.objects.order_by("-title", "-pk"), PER_PAGE, keyset=("title", "pk")
        )


def test_the_notifications_page_walks_by_cursor(role_user, client_for, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 10)
    user = role_user("sales")
    notes = Notification.objects.bulk_create(
        Notification(recipient=user, key=f"k{n}", message=f"Note {n:02d}") for n in range(70)
    )
    with_ties(notes, Notification)
    newest = list(
        Notification.objects.filter(recipient=user)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    client = client_for(user)
    url = reverse("workflows:notifications")

    pages = walk_forward(client, url)

    assert [pk for response, _ in pages for pk in rows(response)] == newest
    assert len(pages) == 3
    assert "after" in params(links(pages[0][0])["Next"])
    assert len(pages[1][1]) == len(pages[2][1])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_a_cursor_page_starts_its_index_scan_at_the_cursor(long_list):
    _user, ordered = long_list
    qs = Job.objects.order_by("-created_at", "-pk")
    paginator = pagination.LargeTablePaginator(qs, PER_PAGE, keyset=("created_at", "pk"))
    values = paginator.cursor_values(paginator.cursor_of(Job.objects.get(pk=ordered[50])))
    after = qs.filter(paginator._beyond(values, forward=True))[: PER_PAGE + 1]
    before = qs.filter(paginator._beyond(values, forward=False)).order_by("created_at", "pk")

    with connection.cursor() as cursor:
        # A table this small is read whole otherwise; the plan's shape is the point.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        plans = [after.explain(), before[: PER_PAGE + 1].explain()]

    for plan in plans:
        # The index on (created_at DESC, id DESC), bounded at the cursor, no sort.
        assert "job_newest" in plan, plan
        assert re.search(r"Index Cond: \(created_at [<>]= ", plan), plan
        assert "Sort" not in plan, plan
    assert "Index Scan Backward" in plans[1]


def test_a_plain_page_keeps_its_numbered_links():
    """The inbox and the customer list page with Django's Paginator: the same
    partial links them by number, keeping their query."""
    page = Paginator(list(range(80)), PER_PAGE).page(2)

    text = render_to_string(
        "workflows/partials/pagination.html",
        {"page_obj": page, "query": "q=pairs&page=9&after=1_2"},
    )

    found = {label: params(html.unescape(href)) for href, label in LINK.findall(text)}
    assert found == {
        "Previous": {"q": "pairs", "page": "1"},
        "Next": {"q": "pairs", "page": "3"},
    }
