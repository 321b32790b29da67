"""Dates and numbers of project proposals have sensible windows, on the record
pages and in the admin alike: a pitch deadline or a report due at most five
years ahead, a contract not signed in the future, nothing before 2000; a
comparable's price and unit size at least 1 and below absurd values, the
market figures from 0. Every refusal is a field error that changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from proposals.models import ComparableProject, Proposal, ProposalReport
from tests.factories import UserFactory, in_days
from tests.kits import post_data
from tests.proposals.kit import (
    ComparableProjectFactory,
    ProposalFactory,
    report_post_data,
    report_sections,
)
from tests.workflow_checks import step_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

IN_THE_FUTURE = "This date is in the future."
BEFORE_2000 = "Enter a date on or after 2000-01-01."


def five_years_ahead() -> dt.date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + 5)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 5, day=28)


def too_far() -> str:
    limit = five_years_ahead().isoformat()
    return f"Enter a date on or before {limit}, at most five years from today."


def at_least(n: int) -> str:
    return f"Ensure this value is greater than or equal to {n}."


def at_most(n: int) -> str:
    return f"Ensure this value is less than or equal to {n}."


def snapshot(record: Proposal) -> tuple[Any, ...]:
    fresh = Proposal.objects.get(pk=record.pk)
    return (fresh.state, fresh.step_seq, model_to_dict(fresh), StateLog.objects.count())


def report_state(report: ProposalReport) -> tuple[Any, ...]:
    fresh = ProposalReport.objects.get(pk=report.pk)
    return (
        model_to_dict(fresh),
        fresh.version,
        list(ComparableProject.objects.values_list("report", "name", "price", "area")),
    )


def opened_errors(response: Any) -> dict[str, list[str]]:
    (opened,) = [a for a in response.context["actions"] if a["open"]]
    return opened["form"].errors


def create_data(owner: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "developer_name": "Yuexiu Property",
        "project_name": "Canton Tower East",
        "pitch_deadline": in_days(21).isoformat(),
        "owner": owner.pk,
    }
    data.update(overrides)
    return data


# --- Dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "deadline",
    [dt.date(9999, 12, 31), "five_years_and_a_day"],
    ids=["9999-12-31", "five_years_and_a_day"],
)
def test_a_pitch_deadline_more_than_five_years_ahead_is_refused(deadline, role_user, client_for):
    if deadline == "five_years_and_a_day":
        deadline = five_years_ahead() + dt.timedelta(days=1)
    bd = role_user("bd")

    response = client_for(bd).post(
        reverse("proposals:proposal_create"), create_data(bd, pitch_deadline=deadline.isoformat())
    )

    assert response.status_code == 400
    assert response.context["form"].errors["pitch_deadline"] == [too_far()]
    assert not Proposal.objects.exists()


def test_a_pitch_deadline_in_exactly_five_years_is_accepted(role_user, client_for):
    bd = role_user("bd")

    response = client_for(bd).post(
        reverse("proposals:proposal_create"),
        create_data(bd, pitch_deadline=five_years_ahead().isoformat()),
    )

    assert response.status_code == 302
    assert Proposal.objects.get().pitch_deadline == five_years_ahead()


@pytest.mark.parametrize(
    ("signed_on", "error"),
    [
        (in_days(1), IN_THE_FUTURE),
        (dt.date(9999, 12, 31), IN_THE_FUTURE),
        (dt.date(1999, 12, 31), BEFORE_2000),
    ],
    ids=["tomorrow", "9999-12-31", "1999-12-31"],
)
def test_a_contract_signed_in_the_future_or_before_2000_is_refused(signed_on, error, client_for):
    record = ProposalFactory(state="proposed")
    before = snapshot(record)

    response = client_for(record.owner).post(
        step_url(record, "win"),
        post_data(Proposal, "win", seq=record.step_seq, contract_signed_on=signed_on),
    )

    assert response.status_code == 400
    assert opened_errors(response)["contract_signed_on"] == [error]
    assert snapshot(record) == before


def test_a_contract_signed_today_is_recorded(client_for):
    record = ProposalFactory(state="proposed")

    response = client_for(record.owner).post(
        step_url(record, "win"), post_data(Proposal, "win", seq=record.step_seq)
    )

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.state, record.contract_signed_on) == ("won", in_days(0))


# --- Numbers of the report ------------------------------------------------------------------


@pytest.fixture
def writing(walker: Any) -> tuple[Proposal, ProposalReport, Any]:
    record = ProposalFactory(state="researching")
    return record, record.current_draft(), walker.actor(record, "submit_preliminary")


def edit_url(record: Proposal) -> str:
    return reverse("proposals:report_edit", kwargs={"pk": record.pk, "revision": 1})


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("price", "0", at_least(1)),
        ("price", "1000001", at_most(1_000_000)),
        ("price", str(2**31), at_most(1_000_000)),
        ("area", "0", at_least(1)),
        ("area", "0.5", at_least(1)),
        ("area", "10000.1", at_most(10_000)),
    ],
)
@pytest.mark.parametrize("row", [0, 1], ids=["existing_row", "new_row"])
def test_a_comparable_out_of_bounds_is_a_field_error_and_nothing_is_saved(
    row, field, value, error, writing, client_for
):
    record, report, researcher = writing
    ComparableProjectFactory(report=report, name="Poly Riverside", price=21000, area=89)
    before = report_state(report)
    rows = [{}, {"name": "Vanke Park", "price": 19800, "area": 95}]
    rows[row][field] = value

    response = client_for(researcher).post(
        edit_url(record), report_post_data(report, rows=rows, **report_sections())
    )

    assert response.status_code == 400
    assert response.context["comparables"].forms[row].errors[field] == [error]
    assert report_state(report) == before


@pytest.mark.parametrize(
    ("value", "error"),
    [("-0.01", at_least(0)), ("100000.01", at_most(100_000)), ("99999999.99", at_most(100_000))],
)
@pytest.mark.parametrize("field", ["supply_area", "sales_area", "stock_area"])
def test_a_market_figure_out_of_bounds_is_a_field_error_and_nothing_is_saved(
    field, value, error, writing, client_for
):
    record, report, researcher = writing
    before = report_state(report)

    response = client_for(researcher).post(
        edit_url(record), report_post_data(report, **report_sections(), **{field: value})
    )

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [error]
    assert report_state(report) == before


def test_the_bounds_of_the_report_are_saved_and_offered_by_the_inputs(writing, client_for):
    record, report, researcher = writing
    client = client_for(researcher)
    data = report_post_data(
        report,
        rows=[{"name": "Dearest", "price": "1000000", "area": "10000"}],
        **report_sections(),
        supply_area="0",
        stock_area="100000",
    )

    response = client.post(edit_url(record), data)

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.supply_area, report.stock_area) == (0, 100_000)
    assert list(report.comparables.values_list("price", "area")) == [(1_000_000, 10_000)]
    html = client.get(edit_url(record)).content.decode()
    assert 'name="stock_area" value="100000.00" step="0.01" min="0" max="100000"' in html
    assert 'min="1" max="1000000"' in html


# --- The admin ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("pitch_deadline", dt.date(9999, 12, 31), "too_far"),
        ("pitch_deadline", dt.date(1999, 12, 31), BEFORE_2000),
    ],
)
def test_the_admin_refuses_the_same_dates(field, value, error, client_for):
    record = ProposalFactory()
    before = snapshot(record)
    admin = UserFactory(is_staff=True, is_superuser=True)
    data = {k: "" if v is None else v for k, v in model_to_dict(record).items()}
    data[field] = value
    data = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}

    response = client_for(admin).post(
        reverse("admin:proposals_proposal_change", args=[record.pk]), data
    )

    assert response.status_code == 200  # the form again, with its errors
    expected = too_far() if error == "too_far" else error
    assert response.context["adminform"].form.errors[field] == [expected]
    assert snapshot(record) == before


# The steps' fields are read-only on the admin's change form: the admin sets
# them only through the step's form, which refuses the same dates.
@pytest.mark.parametrize(
    ("state", "step", "field", "value", "error"),
    [
        # The research plan's own check (due before the pitch) speaks first.
        ("planning", "start_research", "preliminary_due", dt.date(9999, 12, 31), "before_pitch"),
        ("proposed", "win", "contract_signed_on", in_days(1), IN_THE_FUTURE),
    ],
)
def test_the_admins_step_forms_refuse_the_same_dates(state, step, field, value, error, client_for):
    record = ProposalFactory(state=state)
    before = snapshot(record)
    # A step only its owner takes (OwnerOnly): the owner, here also an administrator.
    admin = record.owner if step == "win" else UserFactory()
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = client_for(admin)
    data = {k: "" if v is None else v for k, v in model_to_dict(record).items()}
    data[field] = value
    data = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}

    changed = client.post(reverse("admin:proposals_proposal_change", args=[record.pk]), data)
    response = client.post(
        reverse("admin:proposals_proposal_step", kwargs={"pk": record.pk, "name": step}),
        post_data(record, step, seq=record.step_seq, **{field: value}),
    )

    assert changed.status_code == 302  # saved what may change; the step's field is not among it
    assert response.status_code == 400  # the step's form again, with its errors
    if error == "before_pitch":
        error = (
            "The preliminary report must be due before the pitch deadline "
            f"({record.pitch_deadline.isoformat()})."
        )
    assert response.context["form"].errors[field] == [error]
    assert snapshot(record) == before


def test_the_reports_admin_page_shows_its_bookkeeping_read_only(client_for):
    record = ProposalFactory(state="researching")
    report = record.current_draft()
    ProposalReport.objects.filter(pk=report.pk).update(version=3)
    admin = UserFactory(is_staff=True, is_superuser=True)

    response = client_for(admin).get(
        reverse("admin:proposals_proposalreport_change", args=[report.pk])
    )

    assert response.status_code == 200
    shown = response.context["adminform"].readonly_fields
    assert {"revision", "version", "created_at", "submitted_at", "approved_at"} <= set(shown)
    html = response.content.decode()
    assert '<div class="readonly">3</div>' in html
