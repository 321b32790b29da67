"""Every number and every date users edit has a lower and an upper bound,
declared on the model field (so that the record pages and the admin apply
it): the process apps' models and the engine's models users change in the
admin. Numbers nobody types (editable=False: counters, versions) are exempt.

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
from simple_history.models import HistoricalChanges

from tests.factories import UserFactory
from workflows.admin import ReadOnlyAdmin
from workflows.models import CalendarDay
from workflows.validators import FUTURE_DATE, PAST_DATE, latest_date

PROCESS_APPS = ("samples", "proposals", "orders", "research", "complaints")
NUMBERS = (models.IntegerField, models.DecimalField, models.FloatField)
DATES = (models.DateField,)  # DateTimeField is a DateField


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


def test_every_date_users_edit_has_a_window():
    missing = [name for name, field in fields_of(DATES) if unbounded(field)]

    assert missing == []


def test_the_walk_sees_the_numbers_and_dates_users_type():
    numbers = {name for name, field in fields_of(NUMBERS) if field.editable}
    dates = {name for name, field in fields_of(DATES) if field.editable}

    assert numbers >= {
        "samples.SampleOrder.quantity",
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
