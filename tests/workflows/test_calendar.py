"""The working calendar: weekends, holidays and worked weekend days (调休)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from tests.kits import post_data
from tests.testflows.kit import JobFactory
from tests.workflow_checks import step_url
from workflows import calendar
from workflows.calendar import DayOfMonth, WorkingDays, add_working_days, is_working_day
from workflows.models import CalendarDay

pytestmark = pytest.mark.django_db

FRIDAY = dt.date(2026, 9, 25)
SATURDAY = FRIDAY + dt.timedelta(days=1)
MONDAY = FRIDAY + dt.timedelta(days=3)
# 2026's National Day holiday: 1–7 October, with Sunday 27 September worked.
NATIONAL_DAY = [dt.date(2026, 10, d) for d in range(1, 8)]
MAKE_UP_SUNDAY = dt.date(2026, 9, 27)


def national_day_calendar() -> None:
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, working=False, name="国庆节") for d in NATIONAL_DAY]
        + [CalendarDay(date=MAKE_UP_SUNDAY, working=True, name="国庆调休")]
    )


def test_weekdays_work_and_weekends_do_not_without_exceptions():
    assert is_working_day(FRIDAY)
    assert not is_working_day(SATURDAY)
    assert add_working_days(FRIDAY, 1) == MONDAY


def test_a_start_on_the_weekend_counts_from_the_next_working_day():
    assert add_working_days(SATURDAY, 0) == MONDAY
    assert add_working_days(SATURDAY, 1) == MONDAY + dt.timedelta(days=1)


def test_holidays_are_skipped_and_a_worked_sunday_counts():
    national_day_calendar()

    assert is_working_day(MAKE_UP_SUNDAY)
    assert not is_working_day(dt.date(2026, 10, 1))
    # Friday 25 → Sunday 27 (worked) → Monday 28 → Tuesday 29 → Wednesday 30,
    # then the holiday week and its weekend: next working day Thursday 8 October.
    assert add_working_days(FRIDAY, 1) == MAKE_UP_SUNDAY
    assert add_working_days(FRIDAY, 4) == dt.date(2026, 9, 30)
    assert add_working_days(FRIDAY, 5) == dt.date(2026, 10, 8)


def test_working_days_rule_ends_at_the_end_of_the_day(monkeypatch):
    monkeypatch.setattr(calendar.timezone, "localdate", lambda: FRIDAY)

    due = timezone.localtime(WorkingDays(2)(None))

    assert due.date() == MONDAY + dt.timedelta(days=1)
    assert due.time() == dt.time(23, 59, 59)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 11, 3), dt.date(2026, 11, 26)),
        (dt.date(2026, 11, 26), dt.date(2026, 11, 26)),
        (dt.date(2026, 11, 27), dt.date(2026, 12, 26)),
        (dt.date(2026, 12, 30), dt.date(2027, 1, 26)),
    ],
)
def test_day_of_month_rule_is_this_months_day_or_next_months_once_passed(
    monkeypatch, today, expected
):
    monkeypatch.setattr(calendar.timezone, "localdate", lambda: today)

    assert timezone.localtime(DayOfMonth(26)(None)).date() == expected


def test_day_of_month_rule_refuses_days_some_months_lack():
    with pytest.raises(ValueError):
        DayOfMonth(29)


def test_the_marketing_manager_keeps_the_calendar():
    perms = set(
        Group.objects.get(name="marketing_manager").permissions.values_list("codename", flat=True)
    )
    assert {"add_calendarday", "change_calendarday", "delete_calendarday"} <= perms
    assert (
        not Group.objects.get(name="sales")
        .permissions.filter(codename__endswith="_calendarday")
        .exists()
    )


def test_a_holiday_moves_a_steps_deadline(advance, client_for):
    record = JobFactory()
    today = timezone.localdate()
    usual = add_working_days(today, 1)
    CalendarDay.objects.create(date=usual, working=False, name="holiday")
    user = advance.actor(record, "schedule")

    client_for(user).post(
        step_url(record, "schedule"), post_data(record, "schedule", seq=record.step_seq)
    )

    record.refresh_from_db()
    assert timezone.localtime(record.step_due_at).date() == add_working_days(today, 1)
    assert timezone.localtime(record.step_due_at).date() > usual


def test_the_working_day_on_or_before_a_day():
    assert calendar.working_day_on_or_before(FRIDAY) == FRIDAY
    assert calendar.working_day_on_or_before(SATURDAY + dt.timedelta(days=1)) == FRIDAY
    national_day_calendar()
    assert calendar.working_day_on_or_before(MAKE_UP_SUNDAY) == MAKE_UP_SUNDAY
    assert calendar.working_day_on_or_before(NATIONAL_DAY[-1]) == dt.date(2026, 9, 30)
