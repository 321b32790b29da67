"""Every number and every date users edit has a lower and an upper bound,
declared on the model field (so that the record pages and the admin apply
it): the process apps' models and the engine's models users change in the
admin. Numbers nobody types (editable=False: counters, versions) are exempt.
An integer users type counts something (pieces, copies, boards, people): its
lower bound is at least 1, unless 0 means something for that field
(``ZERO_ALLOWED``, each with its reason).

SQLite stores integers of 64 bits, PostgreSQL's ``integer`` 32: without a
bound of its own, 2³¹ passed the form on SQLite and failed the INSERT on
PostgreSQL; a date of 9999-12-31 made a work order "7973 years" away."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django_fsm_log.models import StateLog
from simple_history.models import HistoricalChanges

from tests.factories import CustomerFactory, UserFactory, in_days
from tests.kits import post_data
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from tests.workflow_checks import step_url
from workflows.admin import ReadOnlyAdmin
from workflows.models import CalendarDay
from workflows.validators import FUTURE_DATE, PAST_DATE, latest_date

# The department's process apps and the engine's test processes.
PROCESS_APPS = ("samples", "proposals", "orders", "research", "complaints", "testflows")
NUMBERS = (models.IntegerField, models.DecimalField, models.FloatField)
INTEGERS = (models.IntegerField,)  # also positive, small and big ones
DATES = (models.DateField,)  # DateTimeField is a DateField

# Integers users type where 0 means something, as "app.Model.field": the reason.
# Every other one counts something that is not there at 0 (a sample of 0 pieces).
ZERO_ALLOWED: dict[str, str] = {
    # Payment terms: 0 days after the invoice is payment on invoice (cash on delivery).
    "orders.Customer.payment_days": "payment due on the invoice's day",
    "orders.Order.payment_days": "payment due on the invoice's day",
    "orders.ContractChange.payment_days": "payment due on the invoice's day",
    "orders.Quotation.payment_days": "payment due on the invoice's day",
    # The satisfaction survey's 0–10 question: 0 is "not at all likely to recommend".
    "complaints.SurveyAnswer.score": "the lowest score of the 0–10 recommendation",
}


def engine_models_users_edit() -> list[type[models.Model]]:
    """The engine's models the admin lets a manager change."""
    return [
        model
        for model in apps.get_app_config("workflows").get_models()
        if admin.site.is_registered(model)
        and not isinstance(admin.site.get_model_admin(model), ReadOnlyAdmin)
    ]


def models_users_edit() -> list[type[models.Model]]:
    found = [
        m
        for label in PROCESS_APPS
        for m in apps.get_app_config(label).get_models()
        # The admin's history of a record (AdminHistory) is written, never typed.
        if not is_history(m)
    ]
    return found + engine_models_users_edit()


def is_history(model: type[models.Model]) -> bool:
    return issubclass(model, HistoricalChanges)


def unbounded(field: models.Field) -> bool:
    """A field users edit without both a lower and an upper bound of its own (the
    database backend's range validators, which Django adds, do not count)."""
    if not field.editable or field.primary_key:
        return False
    declared = field.deconstruct()[3].get("validators", [])
    has_min = any(isinstance(v, MinValueValidator) for v in declared)
    has_max = any(isinstance(v, MaxValueValidator) for v in declared)
    return not (has_min and has_max)


def lowest(field: models.Field) -> object:
    """The lowest value the field's own declared validators let through, or None."""
    declared = field.deconstruct()[3].get("validators", [])
    lows = [v.limit_value for v in declared if isinstance(v, MinValueValidator)]
    lows = [low() if callable(low) else low for low in lows]
    return max(lows) if lows else None


def counts_from_zero(field: models.Field) -> bool:
    """An integer users edit that takes 0 (or less): no declared lower bound of 1."""
    if not field.editable or field.primary_key or not isinstance(field, INTEGERS):
        return False
    low = lowest(field)
    return low is None or low < 1


def fields_of(kinds: tuple[type[models.Field], ...]) -> list[tuple[str, models.Field]]:
    return [
        (f"{model._meta.label}.{field.name}", field)
        for model in models_users_edit()
        for field in model._meta.concrete_fields
        if isinstance(field, kinds)
    ]


def test_the_engines_models_users_edit_are_those_the_admin_changes():
    assert set(engine_models_users_edit()) == {
        apps.get_model("workflows", name)
        for name in ("CalendarDay", "CompanyProfile", "EscalationRule", "NotificationSettings")
    }


def test_every_number_users_edit_has_a_lower_and_an_upper_bound():
    missing = [name for name, field in fields_of(NUMBERS) if unbounded(field)]

    assert missing == []


def test_every_count_users_type_is_at_least_one():
    zero = [name for name, field in fields_of(INTEGERS) if counts_from_zero(field)]

    assert [name for name in zero if name not in ZERO_ALLOWED] == []


def test_each_integer_allowed_zero_takes_it_and_says_why():
    """An entry of ``ZERO_ALLOWED`` names an integer users type whose lower bound
    is 0 (a stale entry, or one whose field now starts at 1, is reported)."""
    zero = {name for name, field in fields_of(INTEGERS) if counts_from_zero(field)}

    assert {name for name in ZERO_ALLOWED if name not in zero} == set()
    assert all(reason.strip() for reason in ZERO_ALLOWED.values())


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (models.PositiveIntegerField(), True),
        (models.IntegerField(validators=[MaxValueValidator(9)]), True),
        (models.IntegerField(validators=[MinValueValidator(0), MaxValueValidator(9)]), True),
        (models.IntegerField(validators=[MinValueValidator(-5), MaxValueValidator(9)]), True),
        (models.PositiveIntegerField(validators=[MinValueValidator(1)]), False),
        (models.SmallIntegerField(validators=[MinValueValidator(lambda: 2)]), False),
        (models.PositiveIntegerField(default=0, editable=False), False),
        (models.DecimalField(max_digits=5, decimal_places=2), False),  # an amount, not a count
    ],
)
def test_the_check_names_a_count_that_takes_zero(field, expected):
    assert counts_from_zero(field) is expected


def test_every_date_users_edit_has_a_window():
    missing = [name for name, field in fields_of(DATES) if unbounded(field)]

    assert missing == []


def test_the_walk_sees_the_numbers_and_dates_users_type():
    numbers = {name for name, field in fields_of(NUMBERS) if field.editable}
    dates = {name for name, field in fields_of(DATES) if field.editable}

    assert numbers >= {
        "samples.SampleOrder.quantity",
        "testflows.Job.quantity",
        "proposals.ProposalReport.supply_area",
        "proposals.ComparableProject.price",
        "proposals.ComparableProject.area",
    }
    assert dates >= {
        "samples.SampleOrder.due_date",
        "samples.Board.signed_on",
        "proposals.Proposal.pitch_deadline",
        "proposals.Proposal.contract_signed_on",
        "workflows.CalendarDay.date",
    }
    # Counters and what the system stamps are not typed by anyone.
    exempt = {name for name, field in fields_of(NUMBERS + DATES) if not field.editable}
    assert exempt >= {
        "samples.SampleOrder.round",
        "samples.SampleOrder.rework_count",
        "proposals.ProposalReport.revision",
        "proposals.ProposalReport.version",
        "proposals.ProposalReport.submitted_at",
    }


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (models.IntegerField(), True),
        (models.PositiveIntegerField(), True),
        (models.DecimalField(max_digits=5, decimal_places=2), True),
        (models.FloatField(validators=[MinValueValidator(0)]), True),
        (models.IntegerField(validators=[MaxValueValidator(9)]), True),
        (models.DateField(), True),
        (models.DateField(validators=[MinValueValidator(dt.date(2000, 1, 1))]), True),
        (models.IntegerField(validators=[MinValueValidator(0), MaxValueValidator(9)]), False),
        (models.DateField(validators=FUTURE_DATE), False),
        (models.DateTimeField(validators=PAST_DATE), False),
        (models.PositiveIntegerField(editable=False), False),
        (models.DateTimeField(auto_now=True), False),
    ],
)
def test_the_check_names_a_field_without_both_bounds(field, expected):
    assert unbounded(field) is expected


def test_the_five_years_of_a_leap_day_end_on_the_28th():
    assert latest_date(dt.date(2028, 2, 29)) == dt.date(2033, 2, 28)
    assert latest_date(dt.date(2026, 12, 2)) == dt.date(2031, 12, 2)


# --- The working calendar in the admin ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("day", "error"),
    [
        ("9999-12-31", "too_far"),
        ("1999-12-31", "Enter a date on or after 2000-01-01."),
    ],
)
def test_a_calendar_day_outside_its_window_is_refused_in_the_admin(day, error, client_for):
    manager = UserFactory(is_staff=True, is_superuser=True)

    response = client_for(manager).post(
        reverse("admin:workflows_calendarday_add"), {"date": day, "name": "Holiday"}
    )

    assert response.status_code == 200
    if error == "too_far":
        limit = latest_date().isoformat()
        error = f"Enter a date on or before {limit}, at most five years from today."
    assert response.context["adminform"].form.errors["date"] == [error]
    assert not CalendarDay.objects.exists()


# --- A count of zero through the pages ----------------------------------------------------


ZERO = "Ensure this value is greater than or equal to 1."


def job_snapshot(record: Job) -> tuple[object, ...]:
    fresh = Job.objects.get(pk=record.pk)
    return (fresh.state, fresh.step_seq, fresh.quantity, fresh.plan, StateLog.objects.count())


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("quantity", [0, -1])
def test_a_job_of_no_pieces_is_refused_on_the_creation_page(quantity, role_user, client_for):
    sales = role_user("sales")
    data = {
        "kind": "standard",
        "customer": CustomerFactory().pk,
        "requester": sales.pk,
        "title": "Stools",
        "quantity": str(quantity),
        "due_date": in_days(5).isoformat(),
    }

    response = client_for(sales).post(reverse("testflows:job_create"), data)

    assert response.status_code == 400
    assert response.context["form"].errors["quantity"] == [ZERO]
    assert 'min="1"' in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_a_job_scheduled_for_no_pieces_is_refused_and_changes_nothing(role_user, client_for):
    record = JobFactory(quantity=3)
    before = job_snapshot(record)

    response = client_for(role_user("sales_assistant")).post(
        step_url(record, "schedule"),
        post_data(Job, "schedule", seq=record.step_seq, quantity=0),
    )

    assert response.status_code == 400
    (opened,) = [a for a in response.context["actions"] if a["open"]]
    assert opened["form"].errors["quantity"] == [ZERO]
    assert job_snapshot(record) == before


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_a_job_of_no_pieces_is_refused_in_the_admin(client_for):
    # The quantity is a step's field: read-only on the admin's change form, set
    # in the admin only through the step's form, which refuses 0.
    record = JobFactory(quantity=3)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = client_for(superuser)
    url = reverse("admin:testflows_job_change", args=[record.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data["quantity"] = "0"
    step = reverse("admin:testflows_job_step", kwargs={"pk": record.pk, "name": "schedule"})

    changed = client.post(url, data)
    response = client.post(step, post_data(Job, "schedule", seq=record.step_seq, quantity=0))

    assert "quantity" not in form.fields
    assert changed.status_code == 302  # saved what may change; the quantity is not among it
    assert response.status_code == 400
    assert response.context["form"].errors["quantity"] == [ZERO]
    assert Job.objects.get(pk=record.pk).quantity == 3
