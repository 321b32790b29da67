"""The monthly schedule fired by two workers at the same moment opens one
plan per key-account manager: ``ScheduleRun`` lets one run through, and the
plans' unique month holds even for two jobs run outside the schedule.

Needs PostgreSQL (SQLite has no concurrent writers): run with
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from research.models_plans import SalesPlan
from research.plan_services import sales_plans_open
from tests.factories import UserFactory
from tests.workflow_checks import together
from workflows.models import ScheduleRun
from workflows.schedules import schedule_run

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers"),
]

NOW = dt.datetime(2026, 9, 20, 8, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_two_workers_run_the_schedule_at_once_and_each_ka_manager_gets_one_plan():
    kas = UserFactory.create_batch(4, roles=["ka_manager"])

    outcomes = together(
        lambda: schedule_run("Monthly sales plan", NOW),
        lambda: schedule_run("Monthly sales plan", NOW),
    )

    assert sorted(outcomes, key=str) == [False, True]
    assert ScheduleRun.objects.filter(name="Monthly sales plan").count() == 1
    assert sorted(SalesPlan.objects.values_list("owner_id", flat=True)) == [k.pk for k in kas]


def test_two_jobs_at_once_outside_the_schedule_still_open_one_plan_each():
    kas = UserFactory.create_batch(4, roles=["ka_manager"])

    outcomes = together(
        lambda: sales_plans_open(now=NOW, period="2026-09"),
        lambda: sales_plans_open(now=NOW, period="2026-09"),
    )

    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert sum(outcomes) == 4
    assert sorted(SalesPlan.objects.values_list("owner_id", flat=True)) == [k.pk for k in kas]
    assert set(SalesPlan.objects.values_list("month", flat=True)) == {dt.date(2026, 10, 1)}
