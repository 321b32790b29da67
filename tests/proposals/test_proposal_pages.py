"""What is special to the pages of project proposals (the contract suite,
tests/contract, checks every process's list, filters, rights and Chinese
pages): the developer, pitch deadline and business developer filters and
the search of the list, the create form, the report's edit page (sections
and the comparables table), its read-only and printable pages in English
and Chinese and who may see them, the days left to the pitch on the record
page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from proposals.models import ComparableProject, Proposal, ProposalReport
from tests.factories import UserFactory, in_days
from tests.proposals.kit import (
    ComparableProjectFactory,
    ProposalFactory,
    report_post_data,
    report_sections,
)
from tests.workflow_checks import messages_of, refs
from workflows.services import STALE_MESSAGE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LIST = "proposals:proposal_list"
CREATE = "proposals:proposal_create"
TOO_LONG = "Ensure this value has at most 4000 characters (it has 4001)."
NOT_NEGATIVE = "Ensure this value is greater than or equal to 0."
AT_LEAST_ONE = "Ensure this value is greater than or equal to 1."  # no price or size of 0
# Pitch deadlines (days from today) around the edges of every window.
WINDOW_DAYS = (-3, 0, 7, 8, 14, 15, 30, 31)
TEXT_SECTIONS = [n for n in ProposalReport.COPIED if not n.endswith("_area")]


def report_url(record, revision: int, *, edit: bool = False, **query) -> str:
    name = "proposals:report_edit" if edit else "proposals:report"
    url = reverse(name, kwargs={"pk": record.pk, "revision": revision})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def report_state(report: ProposalReport) -> tuple:
    """What a save may change: every section and the comparables table."""
    fresh = ProposalReport.objects.get(pk=report.pk)
    return (
        [getattr(fresh, n) for n in ProposalReport.COPIED],
        fresh.updated_by_id,
        list(ComparableProject.objects.filter(report=fresh).values_list("name", "price", "area")),
        ComparableProject.objects.count(),
    )


@pytest.fixture
def viewer(role_user):
    """Someone with a step in the process (the researchers)."""
    return role_user("researcher")


# --- List: filters, search ---------------------------------------------------------------


def test_list_filter_by_developer_matches_part_of_the_name_in_any_case(viewer, client_for):
    poly = ProposalFactory(developer_name="Poly Developments Guangzhou")
    ProposalFactory(developer_name="Vanke Holdings")

    response = client_for(viewer).get(reverse(LIST), {"developer": "poly dev"})

    assert refs(response) == {poly.reference}


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("7", {0, 7}),
        ("14", {0, 7, 8, 14}),
        ("30", {0, 7, 8, 14, 15, 30}),
        ("passed", {-3}),
        ("", set(WINDOW_DAYS)),
    ],
    ids=["within_7", "within_14", "within_30", "passed", "any"],
)
def test_list_filter_by_pitch_deadline_window(window, expected, viewer, client_for):
    by_days = {days: ProposalFactory(pitch_deadline=in_days(days)) for days in WINDOW_DAYS}

    response = client_for(viewer).get(reverse(LIST), {"deadline": window})

    assert refs(response) == {by_days[d].reference for d in expected}


def test_list_filter_by_business_developer(viewer, client_for):
    lin, wang = UserFactory(roles=["bd"]), UserFactory(roles=["bd"])
    lins = ProposalFactory.create_batch(2, owner=lin)
    ProposalFactory(owner=wang)

    response = client_for(viewer).get(reverse(LIST), {"owner": lin.pk})

    assert refs(response) == {r.reference for r in lins}
    choices = {str(v) for v, _label in response.context["filter"].form.fields["owner"].choices}
    assert {str(lin.pk), str(wang.pk)} <= choices
    assert str(viewer.pk) not in choices


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("pearl bay", "bay"),
        ("EVERGRANDE", "hills"),
        ("Huadu", "plot"),
        ("GZ-2026-A17", "plot"),
    ],
    ids=["project", "developer", "location", "plot"],
)
def test_list_search_matches_project_developer_location_and_plot(
    term, expected, viewer, client_for
):
    records = {
        "bay": ProposalFactory(project_name="Pearl Bay Residences"),
        "hills": ProposalFactory(developer_name="Evergrande South China"),
        "plot": ProposalFactory(location="Huadu District", plot="GZ-2026-A17"),
    }

    response = client_for(viewer).get(reverse(LIST), {"q": term})

    assert refs(response) == {records[expected].reference}


# --- Creating a proposal -------------------------------------------------------------------


def create_data(owner, **overrides) -> dict:
    data = {
        "developer_name": "Yuexiu Property",
        "developer_contact": "Mr. Chen",
        "developer_phone": "020-8888 1234",
        "project_name": "Canton Tower East",
        "plot": "TH-0917",
        "location": "Tianhe District, Guangzhou",
        "pitch_deadline": in_days(21).isoformat(),
        "owner": owner.pk,
        "lead_notes": "Met at the land auction.",
    }
    data.update(overrides)
    return data


def test_create_form_opens_a_lead_for_the_chosen_business_developer(role_user, client_for):
    creator = role_user("marketing_manager")  # who may open a lead for any developer
    owner = UserFactory(roles=["bd"])
    client = client_for(creator)
    form_page = client.get(reverse(CREATE))
    assert form_page.status_code == 200
    assert form_page.context["form"].initial["owner"] == creator.pk

    response = client.post(reverse(CREATE), create_data(owner))

    record = Proposal.objects.get()
    assert response.status_code == 302
    assert response.url == record.get_absolute_url()
    assert (record.state, record.step_seq) == ("lead", 1)
    assert (record.created_by_id, record.owner_id) == (creator.pk, owner.pk)
    assert (record.project_name, record.pitch_deadline) == ("Canton Tower East", in_days(21))
    assert re.fullmatch(rf"PP-{timezone.localdate().year}-\d{{4}}", record.reference)
    assert record.step_due_at is not None
    (log,) = StateLog.objects.for_(record)
    assert (log.transition, log.source_state, log.state, log.by_id) == (
        "create",
        None,
        "lead",
        creator.pk,
    )
    assert messages_of(client.get(response.url)) == [f"{record.reference} created."]


def test_create_with_the_pitch_tomorrow_makes_the_first_step_due_by_then(role_user, client_for):
    bd = role_user("bd")

    client_for(bd).post(reverse(CREATE), create_data(bd, pitch_deadline=in_days(1).isoformat()))

    record = Proposal.objects.get()
    local = timezone.localtime(record.step_due_at)
    assert (local.date(), local.time()) == (in_days(1), dt.time(23, 59, 59))


def test_create_form_with_a_pitch_deadline_in_the_past_creates_nothing(role_user, client_for):
    bd = role_user("bd")

    response = client_for(bd).post(
        reverse(CREATE), create_data(bd, pitch_deadline=in_days(-1).isoformat())
    )

    assert response.status_code == 400
    assert response.context["form"].errors["pitch_deadline"] == ["This date is in the past."]
    assert "This date is in the past." in response.content.decode()
    assert not Proposal.objects.exists()
    assert not StateLog.objects.exists()


def test_create_form_refuses_an_owner_who_is_not_a_business_developer(role_user, client_for):
    bd = role_user("bd")

    response = client_for(bd).post(reverse(CREATE), create_data(role_user("researcher")))

    assert response.status_code == 400
    assert "owner" in response.context["form"].errors
    assert not Proposal.objects.exists()


# --- The report edit page --------------------------------------------------------------------


@pytest.fixture
def writing(walker):
    """A proposal being researched, its empty draft and the researcher who writes it."""
    record = ProposalFactory(state="researching")
    return record, record.current_draft(), walker.actor(record, "submit_preliminary")


def test_report_edit_page_shows_the_sections_and_the_comparables_table(writing, client_for):
    record, report, researcher = writing
    ComparableProjectFactory(report=report, name="Poly Riverside")

    response = client_for(researcher).get(report_url(record, 1, edit=True))

    assert response.status_code == 200
    html = response.content.decode()
    for name in ProposalReport.COPIED:
        assert f'name="{name}"' in html, name
    assert 'name="comparables-TOTAL_FORMS"' in html
    assert 'value="Poly Riverside"' in html
    assert 'name="comparables-1-name"' in html  # an empty row for a new comparable
    assert f'name="_seq" value="{record.step_seq}"' in html


def test_report_saved_with_its_sections_and_new_comparable_rows(writing, client_for):
    record, report, researcher = writing
    data = report_post_data(
        report,
        rows=[
            {"name": "Poly Riverside", "price": 21000, "layouts": "3-bed", "area": "89.5"},
            {"name": "Vanke Park", "price": 19800},
        ],
        **report_sections(site="North bank, 4.2 ha."),
        supply_area="12.50",
    )

    response = client_for(researcher).post(report_url(record, 1, edit=True), data, follow=True)

    assert response.redirect_chain == [(record.get_absolute_url(), 302)]
    assert messages_of(response) == ["Report saved."]
    report.refresh_from_db()
    assert report.site == "North bank, 4.2 ha."
    assert report.supply_area == 12.5
    assert report.missing_sections() == []
    assert report.updated_by_id == researcher.pk
    assert list(report.comparables.values_list("name", "price", "layouts", "area")) == [
        ("Poly Riverside", 21000, "3-bed", 89.5),
        ("Vanke Park", 19800, "", None),
    ]
    assert not report.frozen


def test_save_and_keep_editing_comes_back_to_the_edit_page(writing, client_for):
    record, report, researcher = writing
    data = report_post_data(report, site="Draft text")
    data["_continue"] = "1"

    response = client_for(researcher).post(report_url(record, 1, edit=True), data)

    assert response.status_code == 302
    assert response.url == report_url(record, 1, edit=True)
    report.refresh_from_db()
    assert report.site == "Draft text"


def test_a_section_of_exactly_4000_characters_is_accepted(writing, client_for):
    record, report, researcher = writing

    response = client_for(researcher).post(
        report_url(record, 1, edit=True), report_post_data(report, market="m" * 4000)
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert len(report.market) == 4000


@pytest.mark.parametrize("section", TEXT_SECTIONS)
def test_a_section_over_4000_characters_is_a_field_error_and_nothing_is_saved(
    section, writing, client_for
):
    record, report, researcher = writing
    ComparableProjectFactory(report=report, name="Poly Riverside")
    before = report_state(report)
    data = report_post_data(
        report,
        rows=[{"name": "Renamed"}, {"name": "New row", "price": 1}],
        **report_sections(),
    )
    data[section] = "x" * 4001

    response = client_for(researcher).post(report_url(record, 1, edit=True), data)

    assert response.status_code == 400
    assert response.context["form"].errors[section] == [TOO_LONG]
    assert TOO_LONG in response.content.decode()
    assert messages_of(response) == ["Please correct the errors below."]
    assert report_state(report) == before


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (0, "price"),
        (0, "area"),
        (1, "price"),
        (1, "area"),
    ],
    ids=["existing_row_price", "existing_row_area", "new_row_price", "new_row_area"],
)
def test_a_negative_price_or_area_is_a_field_error_and_nothing_is_saved(
    row, field, writing, client_for
):
    record, report, researcher = writing
    ComparableProjectFactory(report=report, name="Poly Riverside", price=21000, area=89)
    before = report_state(report)
    rows = [{}, {"name": "Vanke Park", "price": 19800, "area": 95}]
    rows[row][field] = -1

    response = client_for(researcher).post(
        report_url(record, 1, edit=True),
        report_post_data(report, rows=rows, **report_sections()),
    )

    assert response.status_code == 400
    forms = response.context["comparables"].forms
    assert forms[row].errors[field] == [AT_LEAST_ONE]
    assert AT_LEAST_ONE in response.content.decode()
    assert report_state(report) == before


@pytest.mark.parametrize("field", ["supply_area", "sales_area", "stock_area"])
def test_a_negative_market_figure_is_a_field_error_and_nothing_is_saved(field, writing, client_for):
    record, report, researcher = writing
    before = report_state(report)

    response = client_for(researcher).post(
        report_url(record, 1, edit=True),
        report_post_data(report, **report_sections(), **{field: "-0.5"}),
    )

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [NOT_NEGATIVE]
    assert report_state(report) == before


def test_a_comparable_row_marked_for_deletion_is_deleted(writing, client_for):
    record, report, researcher = writing
    kept = ComparableProjectFactory(report=report, name="Poly Riverside")
    ComparableProjectFactory(report=report, name="Vanke Park")

    response = client_for(researcher).post(
        report_url(record, 1, edit=True),
        report_post_data(report, rows=[{}, {"DELETE": "on"}]),
    )

    assert response.status_code == 302
    # proposals/forms.py ComparableForm.__init__ reads self.errors, which cleans
    # the row before the formset adds its "id" and "DELETE" fields: the ticked
    # box never reaches cleaned_data and the row stays.
    assert list(report.comparables.values_list("pk", flat=True)) == [kept.pk]


def test_more_than_thirty_comparable_rows_are_refused(writing, client_for):
    record, report, researcher = writing
    before = report_state(report)
    rows = [{"name": f"Estate {i}", "price": 10000 + i} for i in range(31)]

    response = client_for(researcher).post(
        report_url(record, 1, edit=True), report_post_data(report, rows=rows)
    )

    assert response.status_code == 400
    assert response.context["comparables"].non_form_errors()
    assert report_state(report) == before


ROWS_CHANGED = (
    "The rows of the comparable-projects table are not those of the report: it was "
    "changed in another window, or the page is incomplete. Nothing was saved: reload "
    "the page and try again."
)


def two_rows(report: ProposalReport) -> tuple[ComparableProject, ComparableProject]:
    return (
        ComparableProjectFactory(report=report, name="Poly Riverside"),
        ComparableProjectFactory(report=report, name="Vanke Park"),
    )


def check_rows_refused(response, report: ProposalReport, before: tuple) -> None:
    """Refused with the table's message (no 500), nothing saved."""
    assert response.status_code == 400
    assert response.context["comparables"].non_form_errors() == [ROWS_CHANGED]
    assert ROWS_CHANGED in response.content.decode()
    assert report_state(report) == before


def check_stale_draft(response, report: ProposalReport, before: tuple, *texts: str) -> None:
    """Refused as a stale page (409), nothing saved, the form shown again with
    what the user wrote."""
    assert response.status_code == 409
    assert messages_of(response) == [str(STALE_MESSAGE)]
    assert report_state(report) == before
    html = response.content.decode()
    for text in texts:
        assert text in html
    assert 'data-testid="stale-draft"' in html
    version = ProposalReport.objects.values_list("version", flat=True).get(pk=report.pk)
    assert f'name="_version" value="{version}"' in html


def test_saving_after_a_row_was_deleted_in_another_tab_is_refused_and_saves_nothing(
    writing, client_for
):
    record, report, researcher = writing
    _kept, gone = two_rows(report)
    # The second tab's page: both rows, with a new text for the site.
    stale = report_post_data(report, rows=[{}, {"name": "Vanke Park (phase 2)"}], site="Tab two")
    client = client_for(researcher)
    deleted = client.post(
        report_url(record, 1, edit=True),
        report_post_data(report, rows=[{}, {"DELETE": "on"}]),
        follow=True,
    )
    assert messages_of(deleted) == ["Report saved."]
    assert not ComparableProject.objects.filter(pk=gone.pk).exists()
    before = report_state(report)

    response = client.post(report_url(record, 1, edit=True), stale)

    check_stale_draft(response, report, before, "Tab two", "Vanke Park (phase 2)")


@pytest.mark.parametrize(
    "tamper",
    [
        {"comparables-INITIAL_FORMS": "3"},  # more rows than the report has
        {"comparables-INITIAL_FORMS": "1"},  # the second row would be saved as a new one
        {"comparables-INITIAL_FORMS": "0"},  # both rows would be duplicated
        {"comparables-INITIAL_FORMS": "-1"},
        {"comparables-1-id": "x"},
        {"comparables-1-id": ""},
        {"comparables-1-id": "first"},  # the first row's id twice
        {"comparables-1-id": "other"},  # a row of another proposal's report
        {"comparables-2-id": "first"},  # a new row naming an existing one
    ],
    ids=[
        "initial_too_many",
        "initial_too_few",
        "initial_zero",
        "initial_negative",
        "id_malformed",
        "id_missing",
        "id_repeated",
        "id_of_another_report",
        "new_row_with_an_id",
    ],
)
def test_a_tampered_comparables_table_is_refused_and_saves_nothing(tamper, writing, client_for):
    record, report, researcher = writing
    first, _second = two_rows(report)
    other = ComparableProjectFactory(name="Another proposal's row")
    before = report_state(report)
    data = report_post_data(
        report, rows=[{}, {}, {"name": "New estate", "price": 1}], **report_sections()
    )
    ids = {"first": str(first.pk), "other": str(other.pk)}
    data.update({key: ids.get(value, value) for key, value in tamper.items()})

    response = client_for(researcher).post(report_url(record, 1, edit=True), data)

    check_rows_refused(response, report, before)
    other.refresh_from_db()
    assert other.name == "Another proposal's row"


# --- Two tabs on one draft ------------------------------------------------------------------


def test_the_edit_page_posts_the_drafts_version(writing, client_for):
    record, report, researcher = writing
    ProposalReport.objects.filter(pk=report.pk).update(version=7)

    html = client_for(researcher).get(report_url(record, 1, edit=True)).content.decode()

    assert 'name="_version" value="7"' in html


def test_every_save_of_the_draft_counts_a_version(writing, client_for):
    record, report, researcher = writing
    client = client_for(researcher)

    for text in ("First", "Second"):
        client.post(report_url(record, 1, edit=True), report_post_data(report, site=text))

    report.refresh_from_db()
    assert (report.site, report.version) == ("Second", 2)


def test_the_later_of_two_tabs_is_refused_and_keeps_its_text(writing, client_for):
    record, report, researcher = writing
    first_tab = report_post_data(report, site="Tab one", consumers="Young families")
    second_tab = report_post_data(report, site="Tab two", consumers="Retired couples")
    client = client_for(researcher)
    saved = client.post(report_url(record, 1, edit=True), first_tab, follow=True)
    assert messages_of(saved) == ["Report saved."]
    before = report_state(report)

    response = client.post(report_url(record, 1, edit=True), second_tab)

    check_stale_draft(response, report, before, "Tab two", "Retired couples")
    assert response.context["form"]["site"].value() == "Tab two"
    report.refresh_from_db()
    assert (report.site, report.consumers, report.version) == ("Tab one", "Young families", 1)


def test_the_refused_tab_saves_once_its_user_saves_again_from_the_page_shown(writing, client_for):
    # The page shown after the refusal carries the current version: saving it
    # again is a choice made knowing that the other tab saved.
    record, report, researcher = writing
    first_tab = report_post_data(report, site="Tab one")
    second_tab = report_post_data(report, site="Tab two")
    client = client_for(researcher)
    client.post(report_url(record, 1, edit=True), first_tab)
    refused = client.post(report_url(record, 1, edit=True), second_tab)
    shown = re.search(r'name="_version" value="(\d+)"', refused.content.decode())[1]

    again = client.post(report_url(record, 1, edit=True), {**second_tab, "_version": shown})

    assert again.status_code == 302
    report.refresh_from_db()
    assert (report.site, report.version) == ("Tab two", 2)


def test_a_refused_tab_in_chinese_says_so_in_chinese(writing, client_for):
    record, report, researcher = writing
    first_tab = report_post_data(report, site="Tab one")
    second_tab = report_post_data(report, site="Tab two")
    client = client_for(researcher, language="zh-hans")
    client.post(report_url(record, 1, edit=True), first_tab, follow=True)

    response = client.post(report_url(record, 1, edit=True), second_tab)

    assert response.status_code == 409
    assert messages_of(response) == [
        "在您查看期间，本记录已被他人修改（或该步骤已被执行）。未做任何更改：请查看记录的当前状态后重试。"
    ]
    assert "您填写的内容保留在下方" in response.content.decode()


@pytest.mark.parametrize("field", ["_seq", "_version"])
@pytest.mark.parametrize("value", [None, "", "x", "1.5", "-1", "9" * 5000])
def test_a_draft_posted_without_a_readable_step_number_or_version_saves_nothing(
    field, value, writing, client_for
):
    record, report, researcher = writing
    ComparableProjectFactory(report=report, name="Poly Riverside")
    before = report_state(report)
    data = report_post_data(report, rows=[{"name": "Renamed"}], site="Hand-made POST")
    del data[field]
    if value is not None:
        data[field] = value

    response = client_for(researcher).post(report_url(record, 1, edit=True), data)

    check_stale_draft(response, report, before, "Hand-made POST", "Renamed")


@pytest.mark.parametrize("role", ["marketing_manager", "bd", "strategy", "creative", "gm"])
def test_the_report_may_be_edited_only_by_those_who_may_submit_it(
    role, writing, role_user, client_for
):
    record, report, _researcher = writing
    user = record.owner if role == "bd" else role_user(role)
    client = client_for(user)
    before = report_state(report)

    shown = client.get(report_url(record, 1, edit=True))
    posted = client.post(
        report_url(record, 1, edit=True), report_post_data(report, site="Not mine to write")
    )

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert report_state(report) == before
    page = client.get(record.get_absolute_url())
    assert page.context["may_edit_report"] is False
    assert report_url(record, 1, edit=True) not in page.content.decode()
    # Reading it is allowed.
    assert client.get(report_url(record, 1)).status_code == 200


@pytest.mark.parametrize("roles", [[], ["finance"], ["sales", "qa"]])
def test_users_without_a_role_in_the_process_see_no_report_page(roles, writing, client_for):
    record, report, _researcher = writing
    client = client_for(UserFactory(roles=roles))
    before = report_state(report)

    for url in [
        report_url(record, 1),
        report_url(record, 1, print=1),
        report_url(record, 1, edit=True),
    ]:
        assert client.get(url).status_code == 403, url
    assert (
        client.post(report_url(record, 1, edit=True), report_post_data(report)).status_code == 403
    )
    assert report_state(report) == before


# --- Reading and printing a report ----------------------------------------------------------


@pytest.fixture
def submitted(walker):
    """A proposal whose preliminary report (revision 1) was submitted, with a
    comparables table."""
    record = ProposalFactory(
        state="researching",
        project_name="Pearl Bay Residences",
        developer_name="Yuexiu Property",
        draft=report_sections(
            site="North bank plot of 4.2 ha facing the river.",
            consumers="Young families from Tianhe, aged 30 to 40.",
            threats="Two competing launches in May.",
        ),
    )
    report = record.current_draft()
    ComparableProjectFactory(report=report, name="Poly Riverside", price=21000, area=89)
    ComparableProjectFactory(report=report, name="Vanke Park", price=19800, area=None)
    record = walker.take(record, "submit_preliminary")
    report.refresh_from_db()
    assert report.frozen
    return record, report


def test_report_page_shows_a_revision_read_only(submitted, viewer, client_for):
    record, report = submitted

    response = client_for(viewer).get(report_url(record, 1))

    assert response.status_code == 200
    assert response.context["report"] == report
    html = response.content.decode()
    assert "North bank plot of 4.2 ha facing the river." in html
    assert "Poly Riverside" in html and "Vanke Park" in html
    assert "<textarea" not in html
    assert 'name="site"' not in html
    assert report_url(record, 1, print=1).split("?")[0] in html


@pytest.mark.parametrize(
    ("language", "label"), [("en", "Print"), ("zh-hans", "打印")], ids=["english", "chinese"]
)
def test_print_page_renders_the_sections_and_the_comparables_table(
    language, label, submitted, viewer, client_for
):
    record, report = submitted

    response = client_for(viewer, language=language).get(report_url(record, 1, print=1))

    assert response.status_code == 200
    assert response.context["report"] == report
    assert response["Content-Language"] == language
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert "Pearl Bay Residences" in html
    assert "Yuexiu Property" in html
    assert record.reference in html
    for text in (
        "North bank plot of 4.2 ha facing the river.",
        "Young families from Tianhe, aged 30 to 40.",
        "Two competing launches in May.",
    ):
        assert text in html
    table = re.search(r'<table class="comparables".*?</table>', html, re.S)
    assert table is not None
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>", table.group(0))
    assert rows == [("Poly Riverside", "21000"), ("Vanke Park", "19800")]
    assert f">{label}<" in html
    assert "<nav" not in html  # the printable page has no navigation


# --- The record page -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "shown"),
    [(12, "12 days left"), (1, "1 day left"), (0, "today"), (-2, "passed")],
    ids=["twelve_days", "one_day", "today", "passed"],
)
def test_record_page_shows_the_days_left_to_the_pitch_deadline(days, shown, viewer, client_for):
    record = ProposalFactory(pitch_deadline=in_days(days))

    response = client_for(viewer).get(record.get_absolute_url())

    html = response.content.decode()
    match = re.search(r'<span[^>]*data-testid="pitch-left"[^>]*>(.*?)</span>', html, re.S)
    assert match is not None
    text = " ".join(match.group(1).split())
    assert in_days(days).isoformat() in text
    assert f"({shown})" in text
    assert ("overdue" in match.group(0)) is (days < 0)


def test_record_page_of_a_closed_proposal_does_not_count_down(viewer, client_for):
    record = ProposalFactory(state="won", pitch_deadline=in_days(-5))

    html = client_for(viewer).get(record.get_absolute_url()).content.decode()

    match = re.search(r'<span[^>]*data-testid="pitch-left"[^>]*>(.*?)</span>', html, re.S)
    assert match is not None
    assert "passed" not in match.group(1)
    assert "overdue" not in match.group(0)


def test_record_page_lists_the_report_revisions_with_their_state(submitted, role_user, client_for):
    record, report = submitted
    manager = role_user("marketing_manager")
    client = client_for(manager)
    client.post(
        reverse("proposals:proposal_step", kwargs={"pk": record.pk, "name": "return_preliminary"}),
        {"comment": "Add school districts.", "_seq": record.step_seq},
    )

    page = client.get(record.get_absolute_url())

    assert [(r.revision, r.frozen) for r in page.context["reports"]] == [(1, True), (2, False)]
    assert page.context["reports"][0] == report
    assert page.context["draft"].revision == 2
    html = page.content.decode()
    assert report_url(record, 1) in html and report_url(record, 2) in html
