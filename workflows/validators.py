"""The windows a date users enter must fall in, for model fields (so that the
record pages and the admin apply them alike)::

    due_date = models.DateField(validators=FUTURE_DATE)     # 2000-01-01 .. five years ahead
    signed_on = models.DateField(validators=PAST_DATE)      # 2000-01-01 .. today

"Today" is the site's local date when the value is checked, so a date that was
valid when entered stays valid. Numbers take Django's ``MinValueValidator`` and
``MaxValueValidator`` with their own limits (tests/workflows/test_field_bounds.py
checks that every number and date users edit has both a lower and an upper one).
"""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "EARLIEST_DATE",
    "FUTURE_DATE",
    "PAST_DATE",
    "YEARS_AHEAD",
    "DateFloor",
    "FutureLimit",
    "NotInFuture",
    "latest_date",
]

# No record of the department's starts earlier; a date before it is a typing slip.
EARLIEST_DATE = dt.date(2000, 1, 1)
# How far ahead a deadline or a calendar day may be (FutureLimit's message says "five").
YEARS_AHEAD = 5


def latest_date(today: dt.date | None = None) -> dt.date:
    """Today (local) ``YEARS_AHEAD`` years on; 29 February becomes the 28th."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


class DateFloor(MinValueValidator):
    """Not before ``EARLIEST_DATE``."""

    message = _("Enter a date on or after %(limit_value)s.")
    code = "date_too_early"

    def __init__(self) -> None:
        super().__init__(EARLIEST_DATE)


class FutureLimit(MaxValueValidator):
    """A deadline (or a day of the calendar) at most ``YEARS_AHEAD`` years ahead."""

    message = _("Enter a date on or before %(limit_value)s, at most five years from today.")
    code = "date_too_far"

    def __init__(self) -> None:
        super().__init__(latest_date)


class NotInFuture(MaxValueValidator):
    """A day something happened (a signature, a visit): today at the latest."""

    message = _("This date is in the future.")
    code = "future_date"

    def __init__(self) -> None:
        super().__init__(timezone.localdate)


FUTURE_DATE = [DateFloor(), FutureLimit()]
PAST_DATE = [DateFloor(), NotInFuture()]
