"""Two workers open the month's tracking surveys at the same moment: each key
development gets exactly one, whether they race through the schedule (its
``ScheduleRun``) or both run the job itself (the unique constraint, the
``IntegrityError`` of the second handled).

Needs PostgreSQL (SQLite has no concurrent writers): run with
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from research.models_property import PropertySurvey
from research.property_services import tracking_surveys_open
from tests.factories import UserFactory
from tests.research.kit_property import DevelopmentFactory
from tests.workflow_checks import together
from workflows.models import ScheduleRun
from workflows.schedules import schedule_run

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

NOW = timezone.make_aware(dt.datetime(2026, 11, 1, 8))


def key_developments(n: int) -> list[int]:
    supervisor = UserFactory(roles=["research_supervisor"])
    return sorted(
        DevelopmentFactory(state="on_file", key_kind="hot", key_by=supervisor).pk for _ in range(n)
    )


def test_two_beats_at_once_run_the_schedule_once():
    keys = key_developments(4)

    outcomes = together(
        lambda: schedule_run("Key development tracking surveys", NOW),
        lambda: schedule_run("Key development tracking surveys", NOW),
    )

    assert sorted(outcomes) == [False, True]
    assert ScheduleRun.objects.filter(period="2026-11").count() == 1
    assert (
        sorted(
            PropertySurvey.objects.filter(period="2026-11").values_list("development_id", flat=True)
        )
        == keys
    )


def test_two_workers_running_the_job_at_once_open_one_survey_per_development():
    keys = key_developments(4)

    outcomes = together(
        lambda: tracking_surveys_open(now=NOW, period="2026-11"),
        lambda: tracking_surveys_open(now=NOW, period="2026-11"),
    )

    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert sum(outcomes) == 4
    assert (
        sorted(
            PropertySurvey.objects.filter(period="2026-11").values_list("development_id", flat=True)
        )
        == keys
    )
