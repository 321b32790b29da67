"""What every process list offers besides its rows, on the engine's test app:
headings that sort, filters that fold away on a phone, exports of the
filtered and sorted rows (CSV and XLSX) and filters saved under a name."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from openpyxl import load_workbook

from tests.factories import UserFactory, in_days
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from workflows.filters import list_columns, parse_sort
from workflows.models import SavedFilter

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "columns")]

LIST = reverse("testflows:job_list")
HEADINGS = ["Reference", "Title", "Requester", "Due date", "Times reworked", "State", "Step due"]


def export_url(fmt: str) -> str:
    return reverse("testflows:job_export", kwargs={"fmt": fmt})


def listed(response: Any) -> list[str]:
    """The references of the page's rows, in their order."""
    return [r.reference for r in response.context["records"]]


def page_rows(response: Any) -> list[list[str]]:
    """The table's cells as the page shows them."""
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]


def csv_rows(response: Any) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def xlsx_rows(response: Any) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    # A read-only sheet leaves out the empty cells that end a row.
    return [row + [None] * (len(rows[0]) - len(row)) for row in rows]


@pytest.fixture
def columns(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The job list shows these columns here: a title, a person, a date that may
    be empty and a number, each sorting its own way."""
    monkeypatch.setattr(Job, "list_columns", ("title", "requester", "due_date", "rework_count"))
    list_columns.cache_clear()
    yield
    list_columns.cache_clear()


@pytest.fixture
def viewer(role_user: Any) -> Any:
    return role_user("sales_assistant")


@pytest.fixture
def jobs(db: None) -> dict[str, Job]:
    """Three jobs: their titles, requesters, deadlines and states all sort differently."""
    ann = UserFactory(roles=["sales"], first_name="Ann", last_name="Zhu")
    bob = UserFactory(roles=["sales"], first_name="Bob", last_name="Au")
    made = {
        "b": JobFactory(title="Banana", requester=bob, due_date=in_days(3)),
        "a": JobFactory(title="Apple", requester=ann, due_date=in_days(9)),
        "c": JobFactory(title="Cherry", requester=ann, due_date=None, state="planned"),
    }
    now = timezone.now()
    Job.objects.filter(pk=made["a"].pk).update(step_due_at=now + dt.timedelta(days=1))
    Job.objects.filter(pk=made["b"].pk).update(step_due_at=now + dt.timedelta(days=5))
    Job.objects.filter(pk=made["c"].pk).update(step_due_at=None)
    return {k: Job.objects.get(pk=v.pk) for k, v in made.items()}


def refs_of(jobs: dict[str, Job], keys: str) -> list[str]:
    return [jobs[k].reference for k in keys]


# --- Sorting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("title", "abc"),
        ("-title", "cba"),
        ("requester", "acb"),  # Ann Zhu's (by pk), then Bob Au
        ("-requester", "bca"),
        ("due_date", "bac"),  # no due date: last
        ("-due_date", "abc"),
        ("due", "abc"),  # the step's deadline, none last
        ("-due", "bac"),
        ("state", "bac"),  # new before planned, as the process declares them
        ("-state", "cab"),
        ("reference", "bac"),
        ("-reference", "cab"),
    ],
)
def test_a_heading_sorts_the_list_both_ways(sort, order, jobs, viewer, client_for):
    response = client_for(viewer).get(LIST, {"sort": sort})

    assert listed(response) == refs_of(jobs, order)


def test_equal_values_keep_a_stable_order_by_id(viewer, client_for):
    same = [JobFactory(title="Same") for _ in range(4)]
    client = client_for(viewer)

    up = listed(client.get(LIST, {"sort": "title"}))
    down = listed(client.get(LIST, {"sort": "-title"}))

    assert up == [j.reference for j in same]
    assert down == [j.reference for j in reversed(same)]


@pytest.mark.parametrize(
    "sort", ["details", "-plan", "nothing", "--title", "title__x", "state;drop", "-", "%00"]
)
def test_an_unknown_sort_key_is_ignored(sort, jobs, viewer, client_for):
    response = client_for(viewer).get(LIST, {"sort": sort})

    assert response.status_code == 200
    assert listed(response) == refs_of(jobs, "cab")  # newest first, as without a sort
    assert 'aria-sort="' not in response.content.decode()
    assert parse_sort(Job, sort) is None


def test_the_headings_are_the_declared_columns_and_link_to_their_sort(jobs, viewer, client_for):
    response = client_for(viewer).get(LIST, {"sort": "title", "state": "new", "q": "a"})

    html = response.content.decode()
    headings = re.findall(r"<th[^>]*>(?:<a [^>]*>)?([^<]+)", html)
    assert headings == HEADINGS
    links = dict(re.findall(r'<a class="sort-link" href="\?([^"]+)" data-sort="(\w+)"', html))
    by_key = {key: query.replace("&amp;", "&") for query, key in links.items()}
    assert by_key["title"] == "sort=-title&state=new&q=a"  # sorted up: the next click sorts down
    assert by_key["requester"] == "sort=requester&state=new&q=a"
    assert set(by_key) == {
        "reference",
        "title",
        "requester",
        "due_date",
        "rework_count",
        "state",
        "due",
    }
    assert '<th class="col-title" aria-sort="ascending">' in html


def test_a_relation_sorts_by_its_models_order_and_not_without_one(monkeypatch):
    monkeypatch.setattr(Job, "list_columns", ("previous", "title"))
    list_columns.cache_clear()
    try:
        columns = {c.key: c.order for c in list_columns(Job)}
        assert columns["previous"] == ("-previous__created_at",)  # a record's: newest first
        assert columns["title"] == ("title",)
        monkeypatch.setattr(Job._meta, "ordering", [])
        list_columns.cache_clear()
        assert {c.key: c.order for c in list_columns(Job)}["previous"] is None
        assert parse_sort(Job, "previous") is None
    finally:
        list_columns.cache_clear()


def test_the_sort_survives_filtering_and_paging(viewer, client_for):
    made = [JobFactory(title=f"T{i:02d}") for i in range(30)]

    response = client_for(viewer).get(LIST, {"sort": "-title", "state": "new"})

    html = response.content.decode()
    assert '<input type="hidden" name="sort" value="-title">' in html  # the filter form keeps it
    next_page = re.search(r'<a class="page-link" href="\?([^"]+)">Next', html).group(1)
    assert "sort=-title" in next_page and "state=new" in next_page
    second = client_for(viewer).get(f"{LIST}?{next_page.replace('&amp;', '&')}")
    expected = [j.reference for j in sorted(made, key=lambda j: j.title, reverse=True)]
    assert listed(response) + listed(second) == expected


# --- The page's layout ------------------------------------------------------------------------


def test_the_filters_fold_away_on_a_phone_with_the_count_of_active_ones(viewer, client_for):
    client = client_for(viewer)

    plain = client.get(LIST).content.decode()
    filtered = client.get(LIST, {"q": "x", "state": ["new", "planned"], "mine": "true"})
    html = filtered.content.decode()

    assert '<div class="collapse d-md-block mb-3" id="list-filters">' in html
    assert 'data-bs-target="#list-filters"' in html
    assert filtered.context["active_filters"] == 3  # the search, the states, mine
    assert (
        '<span class="badge rounded-pill bg-primary" data-testid="active-filters">3</span>' in html
    )
    assert 'data-testid="active-filters"' not in plain
    assert '<div class="table-responsive list-table" data-testid="records-box">' in html


def test_the_state_filter_is_a_drop_down_of_boxes_as_high_as_the_others(viewer, client_for):
    response = client_for(viewer).get(LIST, {"state": ["planned", "new"]})

    html = response.content.decode()
    assert '<select name="state"' not in html and "multiple" not in html
    boxes = re.findall(r'<input type="checkbox" name="state" value="(\w+)"[^>]*>', html)
    assert boxes == list(Job.State.values)
    assert len(re.findall(r'name="state" value="(?:new|planned)"[^>]*checked', html)) == 2
    summary = re.search(r'id="id_state-toggle"[^>]*>(.*?)</button>', html).group(1)
    assert summary == '<span class="chosen">New</span><span class="chosen">Planned</span>'
    assert re.search(
        r'id="id_state-toggle"[^>]*>Any</button>', client_for(viewer).get(LIST).content.decode()
    )


def test_the_reference_cell_does_not_wrap_on_wide_screens(jobs, viewer, client_for):
    html = client_for(viewer).get(LIST).content.decode()

    assert f'<td class="ref"><a href="{jobs["a"].get_absolute_url()}">' in html


def test_the_list_has_no_inline_script_or_style(jobs, viewer, client_for):
    html = client_for(viewer).get(LIST).content.decode()

    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"""[\s"']style\s*=|<style\b|[\s"']on[a-z]+\s*=""", html, re.I)


# --- Exports -------------------------------------------------------------------------------


def test_the_csv_export_has_the_pages_columns_and_values_sorted_and_filtered(
    jobs, viewer, client_for
):
    client = client_for(viewer)
    query = {"sort": "-title", "state": ["new"]}

    page = client.get(LIST, query)
    response = client.get(export_url("csv"), query)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="Test_jobs-{today}.csv"'
    rows = csv_rows(response)
    assert rows[0] == HEADINGS
    assert rows[1:] == [[c if c != "—" else "" for c in row] for row in page_rows(page)]
    assert [r[0] for r in rows[1:]] == refs_of(jobs, "ba")
    b = jobs["b"]
    assert rows[1] == [
        b.reference,
        "Banana",
        "Bob Au",
        b.due_date.isoformat(),
        "0",
        "New",
        timezone.localtime(b.step_due_at).date().isoformat(),
    ]


def test_the_csv_keeps_ampersands_brackets_quotes_and_chinese_and_never_a_formula(
    viewer, client_for
):
    title = 'Tom & Jerry <b>"boxed"</b>, 样品杯'
    JobFactory(title=title)
    JobFactory(title='=HYPERLINK("http://x")')

    response = client_for(viewer).get(export_url("csv"), {"sort": "-title"})

    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    assert '"Tom & Jerry <b>""boxed""</b>, 样品杯"'.encode() in raw
    rows = csv_rows(client_for(viewer).get(export_url("csv"), {"sort": "-title"}))
    assert [r[1] for r in rows[1:]] == [title, '\'=HYPERLINK("http://x")']


def test_the_xlsx_export_gives_the_pages_rows_with_text_never_a_formula(jobs, viewer, client_for):
    JobFactory(title="=1+1")
    client = client_for(viewer)

    page = client.get(LIST, {"sort": "title"})
    response = client.get(export_url("xlsx"), {"sort": "title"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="Test_jobs-{today}.xlsx"'
    rows = xlsx_rows(response)
    assert rows[0] == HEADINGS
    as_text = [["" if v is None else str(v) for v in row] for row in rows[1:]]
    assert as_text == [[c if c != "—" else "" for c in row] for row in page_rows(page)]
    assert rows[1][1] == "=1+1"  # read back as the text it is
    assert isinstance(rows[1][4], int)


def test_the_export_speaks_the_readers_language(jobs, viewer, client_for):
    response = client_for(viewer, language="zh-hans").get(export_url("csv"), {"sort": "title"})

    rows = csv_rows(response)
    assert rows[0][0] == "编号"
    assert rows[0][-2:] == ["状态", "本步截止"]
    assert rows[1][-2] == "新建"
    assert "filename*=utf-8''" in response["Content-Disposition"]


def test_a_user_who_may_not_read_the_list_gets_403_and_an_unknown_format_404(
    jobs, role_user, viewer, client_for
):
    outsider = client_for(role_user("finance"))

    assert outsider.get(export_url("csv")).status_code == 403
    assert outsider.get(export_url("xlsx")).status_code == 403
    assert client_for(viewer).get(export_url("pdf")).status_code == 404
    assert client_for(None).get(export_url("csv")).status_code == 302  # to the login page


def _queries(client: Any, url: str, read: bool = False) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"sort": "requester"})
        if read:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url", "read", "bound"),
    # The job's read scope reads the user's roles (their groups) once.
    [(LIST, False, 11), (export_url("csv"), True, 6), (export_url("xlsx"), True, 6)],
)
def test_the_list_and_its_exports_make_as_many_queries_for_30_records_as_for_70(
    url, read, bound, viewer, client_for
):
    # Both sizes fill more than a page, so the list counts its rows at both.
    requesters = UserFactory.create_batch(3, roles=["sales"])
    for i in range(30):
        JobFactory(requester=requesters[i % 3])
    client = client_for(viewer)
    few = _queries(client, url, read)
    for i in range(40):
        JobFactory(requester=requesters[i % 3])

    many = _queries(client, url, read)

    assert few == many <= bound


def test_an_export_reads_its_rows_in_chunks(monkeypatch, viewer, client_for):
    monkeypatch.setattr("workflows.views.lists.EXPORT_CHUNK", 4)
    made = [JobFactory() for _ in range(10)]

    rows = csv_rows(client_for(viewer).get(export_url("csv"), {"sort": "reference"}))

    assert [r[0] for r in rows[1:]] == sorted(j.reference for j in made)


# --- Saved filters ---------------------------------------------------------------------------


SAVE = reverse("testflows:job_filters")


def saved_of(user: Any) -> list[tuple[str, str]]:
    return list(SavedFilter.objects.filter(user=user).values_list("name", "query"))


def test_a_filter_is_saved_under_a_name_offered_on_the_list_and_deleted(viewer, client_for):
    client = client_for(viewer)

    response = client.post(
        SAVE, {"name": "  New ones  by  title ", "query": "state=new&sort=title&page=3&bogus=1"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?state=new&sort=title"
    assert saved_of(viewer) == [("New ones by title", "state=new&sort=title")]
    page = client.get(LIST)
    assert page.context["saved_filters"][0]["url"] == "?state=new&sort=title"
    html = page.content.decode()
    assert (
        '<a class="dropdown-item flex-grow-1" href="?state=new&amp;sort=title">'
        "New ones by title</a>" in html
    )
    assert [str(m) for m in page.context["messages"]] == ["Filter “New ones by title” saved."]

    saved = SavedFilter.objects.get(user=viewer)
    deleted = client.post(reverse("testflows:job_filter_delete", kwargs={"saved": saved.pk}))

    assert deleted.status_code == 302
    assert saved_of(viewer) == []


def test_the_save_form_carries_the_lists_current_query(viewer, client_for):
    html = (
        client_for(viewer).get(LIST, {"state": "new", "sort": "-due", "page": "1"}).content.decode()
    )

    assert '<input type="hidden" name="query" value="state=new&amp;sort=-due">' in html


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("   ", "Give the filter a name to save it."),
        ("\x00\t\n", "Give the filter a name to save it."),
        ("x" * 61, "A filter's name has at most 60 characters."),
        ("Mine", "You already have a filter named “Mine” on this list. Choose another name."),
    ],
)
def test_an_empty_long_or_taken_name_is_refused_with_a_message(name, message, viewer, client_for):
    ct = ContentType.objects.get_for_model(Job)
    SavedFilter.objects.create(user=viewer, content_type=ct, name="Mine", query="mine=true")
    client = client_for(viewer)

    response = client.post(SAVE, {"name": name, "query": "state=new"}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [message]
    assert saved_of(viewer) == [("Mine", "mine=true")]


def test_names_are_unique_per_user_and_list_only(role_user, client_for):
    both, other = role_user("sales_assistant", "bd"), role_user("sample_room")
    client_for(other).post(SAVE, {"name": "Mine", "query": "mine=true"})
    client_for(both).post(reverse("testflows:review_filters"), {"name": "Mine", "query": ""})

    client_for(both).post(SAVE, {"name": "Mine", "query": "mine=true"})

    assert SavedFilter.objects.filter(name="Mine").count() == 3


def test_saved_filters_are_each_users_own(viewer, role_user, client_for):
    other = role_user("sample_room")
    ct = ContentType.objects.get_for_model(Job)
    theirs = SavedFilter.objects.create(user=other, content_type=ct, name="Theirs", query="")

    page = client_for(viewer).get(LIST)
    response = client_for(viewer).post(
        reverse("testflows:job_filter_delete", kwargs={"saved": theirs.pk})
    )

    assert page.context["saved_filters"] == []
    assert response.status_code == 404
    assert SavedFilter.objects.filter(pk=theirs.pk).exists()


def test_saving_needs_the_right_to_read_the_list_and_a_post(role_user, viewer, client_for):
    outsider = role_user("finance")

    assert client_for(outsider).post(SAVE, {"name": "X", "query": ""}).status_code == 403
    assert client_for(viewer).get(SAVE).status_code == 405
    assert not SavedFilter.objects.exists()


@pytest.mark.parametrize(
    ("name", "role", "factory"),
    [
        ("samples:sampleorder_list", "qa", "tests.samples.kit.SampleOrderFactory"),
        ("samples:board_list", "sample_room", "tests.samples.kit.BoardFactory"),
        ("proposals:proposal_list", "marketing_manager", "tests.proposals.kit.ProposalFactory"),
    ],
)
def test_every_process_list_exports_the_rows_its_page_shows(
    name, role, factory, role_user, client_for
):
    make = import_string(factory)
    made = [make() for _ in range(3)]
    client = client_for(role_user(role), language="zh-hans")
    app, model = name.split(":")[0], name.split(":")[1].removesuffix("_list")
    export = reverse(f"{app}:{model}_export", kwargs={"fmt": "csv"})

    page = client.get(reverse(name), {"sort": "-reference"})
    rows = csv_rows(client.get(export, {"sort": "-reference"}))

    headings = re.findall(r"<th[^>]*>(?:<a [^>]*>)?([^<]+)", page.content.decode())
    assert rows[0] == headings
    assert rows[1:] == [[c if c != "—" else "" for c in row] for row in page_rows(page)]
    assert [r[0] for r in rows[1:]] == sorted((m.reference for m in made), reverse=True)
