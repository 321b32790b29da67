"""The department's working calendar: weekends, public holidays and the
weekend days worked in their place (调休), as an administrator keeps them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import apps
from django.utils import timezone

if TYPE_CHECKING:
    from .models import WorkflowModel

END_OF_DAY = dt.time(23, 59, 59)


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    # Looked up in the app registry: the calendar is a declaration, below the models.
    days = apps.get_model("workflows", "CalendarDay")
    return dict(days.objects.filter(date__range=(start, end)).values_list("date", "working"))


def is_working_day(day: dt.date, exceptions: dict[dt.date, bool] | None = None) -> bool:
    if exceptions is None:
        exceptions = _exceptions(day, day)
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The working day that is ``days`` working days after ``start`` (0: start
    itself if it is a working day, else the next one)."""
    # A generous window read in one query: holidays never run for weeks.
    exceptions = _exceptions(start, start + dt.timedelta(days=days * 2 + 30))
    day = start
    while not is_working_day(day, exceptions):
        day += dt.timedelta(days=1)
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day, exceptions):
            counted += 1
    return day


def end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, END_OF_DAY))


@dataclass(frozen=True)
class WorkingDays:
    """A deadline rule: the end of the n-th working day after today."""

    days: int

    def __call__(self, record: WorkflowModel) -> dt.datetime:
        return end_of(add_working_days(timezone.localdate(), self.days))


@dataclass(frozen=True)
class DayOfMonth:
    """A deadline rule: the given day of this month, or of next month once it
    has passed (the monthly sales plan is due on the 26th). Days 1 to 28, so
    that every month has one."""

    day: int

    def __post_init__(self) -> None:
        if not 1 <= self.day <= 28:
            raise ValueError("DayOfMonth takes a day from 1 to 28")

    def __call__(self, record: WorkflowModel) -> dt.datetime:
        today = timezone.localdate()
        due = today.replace(day=self.day)
        if due < today:
            first_of_next = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            due = first_of_next.replace(day=self.day)
        return end_of(due)


def working_day_on_or_before(day: dt.date) -> dt.date:
    """``day`` if it is a working day, else the last working day before it (a
    deadline on the 26th moves back to the 25th, or before a holiday)."""
    exceptions = _exceptions(day - dt.timedelta(days=30), day)
    while not is_working_day(day, exceptions):
        day -= dt.timedelta(days=1)
    return day
