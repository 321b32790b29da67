"""A process list in the browser: sorted by a heading, exported to Excel and
read back with openpyxl (the same rows as the page), on a wide screen and on
a phone, where the filters fold away and the table scrolls in its own box."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.factories import UserFactory, in_days
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIST = "/testflows/jobs/"


@pytest.fixture
def jobs(e2e_users: dict[str, Any]) -> list[Any]:
    """Jobs whose titles need care in a spreadsheet: an ampersand, brackets,
    quotes, Chinese, and one that would be a formula."""
    ann = UserFactory(roles=["sales"], first_name="Ann", last_name="Zhu")
    titles = [
        'Tom & Jerry <mugs> "boxed"',
        "样品杯 350 ml",
        "=SUM(A1:A2)",
        "Apron, blue",
        "Bowl set with a rather long name that wraps on a phone",
    ]
    made = [
        JobFactory(title=t, requester=ann if i % 2 else e2e_users["sales"], due_date=in_days(i))
        for i, t in enumerate(titles)
    ]
    JobFactory(title="Closed one", requester=ann, state="accepted")
    return made


def table_rows(page: Page) -> list[list[str]]:
    rows = page.locator("[data-testid=records] tbody tr")
    return [
        [cell.strip() for cell in rows.nth(i).locator("td").all_inner_texts()]
        for i in range(rows.count())
    ]


def test_the_excel_export_gives_the_rows_of_the_sorted_filtered_page(
    desks: Any, jobs: list[Any], tmp_path: Path
):
    page = desks("sales_assistant")
    page.goto(f"{LIST}?state=new")
    page.locator("a.sort-link[data-sort=title]").click()
    expect(page.locator("th.col-title")).to_have_attribute("aria-sort", "ascending")
    page.locator("a.sort-link[data-sort=title]").click()
    expect(page.locator("th.col-title")).to_have_attribute("aria-sort", "descending")
    assert "sort=-title" in page.url and "state=new" in page.url
    shown = table_rows(page)
    head = [
        h.strip().rstrip(" ▲▼")
        for h in page.locator("[data-testid=records] thead th").all_inner_texts()
    ]
    title_at = head.index("Title")
    titles = [row[title_at] for row in shown]
    in_order = Job.objects.filter(state="new").order_by("-title", "-pk")
    assert titles == [j.title for j in in_order]  # the closed one filtered out
    # On a wide screen a reference stays on one line.
    assert page.locator("td.ref").first.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    desks.shoot(page, "list-sorted-desktop")

    with page.expect_download() as download:
        page.locator("[data-testid=export-xlsx]").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)

    assert saved.name.startswith("Test_jobs-") and saved.suffix == ".xlsx"
    sheet = load_workbook(saved, read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    headings = [h.strip() for h in page.locator("[data-testid=records] thead th").all_inner_texts()]
    assert [h.rstrip(" ▲▼") for h in headings] == rows[0]
    width = len(rows[0])
    exported = [
        ["" if v is None else str(v) for v in r] + [""] * (width - len(r)) for r in rows[1:]
    ]
    assert exported == [["" if c == "—" else c for c in row] for row in shown]
    assert "=SUM(A1:A2)" in [r[title_at] for r in exported]  # text, not a formula

    # The filter and its order, saved under a name, come back from the menu.
    page.locator("[data-testid=saved-filters]").click()
    page.fill("#saved-filter-name", "New, Z to A")
    page.locator("[data-testid=save-filter] button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("Filter “New, Z to A” saved.")
    page.goto(LIST)
    page.locator("[data-testid=saved-filters]").click()
    page.locator("[data-testid=saved-filter] a", has_text="New, Z to A").click()
    expect(page.locator("th.col-title")).to_have_attribute("aria-sort", "descending")
    assert table_rows(page) == shown


def test_on_a_phone_the_filters_fold_away_and_the_table_scrolls_in_its_box(
    chinese_desks: Any, jobs: list[Any]
):
    page = chinese_desks("sales_assistant")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{LIST}?state=new&state=planned&q=JB")

    filters = page.locator("#list-filters")
    toggle = page.locator("[data-testid=filters-toggle]")
    expect(filters).to_be_hidden()
    expect(toggle).to_be_visible()
    expect(page.locator("[data-testid=active-filters]")).to_have_text("2")
    box = page.locator("[data-testid=records-box]")
    assert box.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # the table scrolls, not the page
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    chinese_desks.shoot(page, "list-phone-folded")

    toggle.click()
    expect(filters).to_be_visible()
    # The state filter is a drop-down as high as the others, its boxes inside.
    state = page.locator("#id_state-toggle")
    search = page.locator("#q")
    assert abs(state.bounding_box()["height"] - search.bounding_box()["height"]) < 4
    expect(state).to_contain_text("新建")
    state.click()
    expect(page.locator("input[name=state][value=checking]")).to_be_visible()
    chinese_desks.shoot(page, "list-phone-filters")
