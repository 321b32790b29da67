"""A record's values as the pages show them, shared by the templates and the
list's exports so that a spreadsheet says what the page says."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext_lazy as _

EMPTY = "—"


def person(user: Any, empty: Any = None) -> str:
    """A user as colleagues know them: full name, else username. When nobody:
    the system (an automatic step), or ``empty`` where a person is missing
    (``{{ user|person:"" }}`` leaves a printout's line blank)."""
    if user is None:
        return str(_("system")) if empty is None else str(empty)
    return user.get_full_name() or user.get_username()


def display_date(value: dt.date | dt.datetime) -> str:
    """A date as 2026-05-01; a moment as its local day."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return date_format(value, "Y-m-d")


def display_value(record: Any, name: str) -> Any:
    """A field's value as a page shows it: a choice's label, a person's name, a
    date as 2026-05-01, a moment as 2026-05-01 14:30 (local time); None when empty."""
    value = getattr(record, name)
    if value is None or value == "":
        return None
    field = record._meta.get_field(name)
    if field.choices:
        return getattr(record, f"get_{name}_display")()
    if isinstance(value, AbstractBaseUser):
        return person(value)
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, dt.date):
        return date_format(value, "Y-m-d")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value
