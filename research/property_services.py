"""Writes of the property surveys beyond the records' own fields: the survey a
development's assignment opens, the photos of a survey form, the monthly
tracking surveys of the key developments, and what a development's page reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from workflows.calendar import is_working_day
from workflows.rights import readable
from workflows.services import attachment_add, record_start

from .models_property import Development, PropertySurvey
from .property_forms import PHOTO_FIELDS


def new_survey_open(
    *, record: Development, user: AbstractBaseUser, data: dict[str, Any]
) -> PropertySurvey:
    """The new development's survey, for the researcher just assigned, due
    by the end of the planned visit's day."""
    survey = PropertySurvey(
        development=record,
        researcher=record.researcher,
        kind=PropertySurvey.Kind.NEW,
        visit_planned=data["visit_planned"],
    )
    return record_start(record=survey, user=user, name="assign")


def photos_save(*, record: PropertySurvey, user: AbstractBaseUser, data: dict[str, Any]) -> None:
    """Keep the survey form's photos (checked as images by the form) as the
    record's attachments of the filing step."""
    for name in PHOTO_FIELDS:
        upload = data.get(name)
        if upload:
            attachment_add(
                record=record, user=user, upload=upload, state=PropertySurvey.State.ASSIGNED
            )


def last_working_day(day: dt.date) -> dt.date:
    """The last working day of ``day``'s month (the calendar's holidays and 调休)."""
    last = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    while last > day and not is_working_day(last):
        last -= dt.timedelta(days=1)
    return last


def tracking_surveys_open(*, now: dt.datetime, period: str) -> int:
    """The month's tracking survey of every key development on file, for the
    researcher of its district, due by the month's last working day; how many
    were opened. One per development and month: a development that has its
    survey is passed over, and one opened meanwhile by another run is refused
    by the unique constraint and skipped."""
    visit = last_working_day(timezone.localdate(now))
    developments = (
        Development.objects.exclude(state=Development.State.CLOSED)
        .exclude(key_kind="")
        .exclude(
            Exists(
                PropertySurvey.objects.filter(
                    development=OuterRef("pk"), kind=PropertySurvey.Kind.TRACKING, period=period
                )
            )
        )
        .select_related("district", "key_by", "created_by")
        .order_by("pk")
    )
    opened = 0
    for development in developments:
        survey = PropertySurvey(
            development=development,
            researcher_id=development.district.researcher_id,
            kind=PropertySurvey.Kind.TRACKING,
            period=period,
            visit_planned=visit,
        )
        try:
            with transaction.atomic():
                record_start(
                    record=survey,
                    user=development.key_by or development.created_by,
                    name="schedule",
                )
        except IntegrityError:
            continue  # opened by another run of the same month meanwhile
        opened += 1
    return opened


def development_surveys(development: Development, user: AbstractBaseUser) -> list[PropertySurvey]:
    """The development's surveys the user reads, by visit (not yet visited last), in one query."""
    try:
        surveys = readable(user, PropertySurvey)
    except PermissionDenied:
        return []  # no role in the surveys: the development's page without them
    return list(
        surveys.filter(development=development)
        .select_related("researcher")
        .order_by(F("visit_date").asc(nulls_last=True), "visit_planned", "pk")
    )
