"""Schedules: declared in code, added to django-celery-beat's table when
missing and then left as the administrator makes them; a scheduled job runs
once per period however often beat fires, and again when it failed."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from tests.factories import UserFactory, hears_every_step
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from workflows import schedules
from workflows.models import CalendarDay, Digest, NotificationSettings, Reminder, ScheduleRun
from workflows.schedules import (
    ENGINE_SCHEDULES,
    Schedule,
    all_schedules,
    schedule_run,
    schedules_sync,
)
from workflows.tasks import run_schedule, scan_deadlines, send_digests

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def local_time(settings):
    """Periods are read in the project's time zone, whatever the environment says."""
    settings.TIME_ZONE = "Asia/Shanghai"


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


# The jobs of the test schedules: each run leaves a holiday on the day it ran.


def mark_the_day(now: dt.datetime, period: str) -> None:
    CalendarDay.objects.create(date=timezone.localdate(now), name=f"ran for {period}")


FAILURES = {"left": 0}


def fail_after_writing(now: dt.datetime, period: str) -> None:
    mark_the_day(now, period)
    if FAILURES["left"]:
        FAILURES["left"] -= 1
        raise RuntimeError("the job failed half-way")


MONTHLY = Schedule(
    name="Test monthly plan",
    job=f"{__name__}.mark_the_day",
    crontab="0 9 20 * *",
    period="month",
    description="A job of a process, once a month.",
)
FLAKY = Schedule(name="Test flaky job", job=f"{__name__}.fail_after_writing", crontab="0 9 * * *")


@pytest.fixture
def declared(monkeypatch):
    """The engine's schedules and the two above, as if an app declared them."""
    found = (*ENGINE_SCHEDULES, MONTHLY, FLAKY)
    monkeypatch.setattr(schedules, "all_schedules", lambda: found)
    FAILURES["left"] = 0
    return found


def ran_on() -> list[tuple[dt.date, str]]:
    return list(CalendarDay.objects.order_by("date").values_list("date", "name"))


# --- Declarations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"every": dt.timedelta(minutes=1)}, "give a task or a job, not both"),
        ({"task": "a.b", "job": "c.d", "every": dt.timedelta(1)}, "give a task or a job"),
        ({"task": "a.b"}, "give a crontab or an interval"),
        ({"task": "a.b", "crontab": "0 8 * * *", "every": dt.timedelta(1)}, "crontab or an"),
        ({"task": "a.b", "crontab": "0 8 * *"}, "a crontab has five fields"),
        ({"job": "c.d", "crontab": "0 8 * * *", "period": "quarter"}, "period is one of"),
    ],
    ids=["neither-task-nor-job", "task-and-job", "no-time", "two-times", "short-crontab", "period"],
)
def test_a_schedule_declared_wrongly_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Schedule(name="Wrong", **kwargs)


@pytest.mark.parametrize(
    ("period", "now", "key"),
    [
        ("day", at(2026, 11, 26, 23, 30), "2026-11-26"),
        ("week", at(2026, 12, 31, 9), "2026-W53"),
        ("month", at(2026, 11, 30, 23, 59), "2026-11"),
        ("year", at(2026, 12, 31, 23, 59), "2026"),
        # 17:00 UTC on the 31st is already the 1st in the project's time zone.
        ("month", dt.datetime(2026, 10, 31, 17, tzinfo=dt.UTC), "2026-11"),
    ],
)
def test_the_period_of_a_run_is_read_in_local_time(period, now, key):
    schedule = Schedule(name="P", job="c.d", crontab="0 8 * * *", period=period)

    assert schedule.period_key(now) == key


def test_two_schedules_with_one_name_are_refused(monkeypatch):
    monkeypatch.setattr(schedules, "ENGINE_SCHEDULES", (*ENGINE_SCHEDULES, ENGINE_SCHEDULES[0]))
    all_schedules.cache_clear()
    try:
        with pytest.raises(ValueError, match="two schedules share a name"):
            all_schedules()
    finally:
        all_schedules.cache_clear()


def test_the_engine_declares_the_scan_the_delivery_and_the_digest():
    tasks = {s.name: s.task_name for s in all_schedules()}

    assert {name: tasks[name] for name in (s.name for s in ENGINE_SCHEDULES)} == {
        "Deadline reminders": "workflows.tasks.scan_deadlines",
        "Deliver notifications": "workflows.tasks.deliver",
        "Daily digest": "workflows.tasks.send_digests",
    }


# --- Beat's table -------------------------------------------------------------------------


def test_sync_adds_every_declared_schedule_to_beats_table(declared):
    PeriodicTask.objects.all().delete()

    added = schedules_sync()

    assert added == len(declared)
    rows = {t.name: t for t in PeriodicTask.objects.select_related("interval", "crontab")}
    assert set(rows) == {s.name for s in declared}
    assert all(t.enabled for t in rows.values())

    scan = rows["Deadline reminders"]
    assert (scan.task, json.loads(scan.kwargs), scan.crontab) == (
        "workflows.tasks.scan_deadlines",
        {},
        None,
    )
    # In the largest whole unit, as the migration that first made it did.
    assert (scan.interval.every, scan.interval.period) == (5, IntervalSchedule.MINUTES)
    deliver = rows["Deliver notifications"]
    assert (deliver.task, deliver.interval.every, deliver.interval.period) == (
        "workflows.tasks.deliver",
        1,
        IntervalSchedule.MINUTES,
    )

    digest = rows["Daily digest"]
    assert (digest.task, digest.interval) == ("workflows.tasks.send_digests", None)
    cron = digest.crontab
    assert (cron.minute, cron.hour, cron.day_of_month, cron.month_of_year, cron.day_of_week) == (
        "0",
        "8",
        "*",
        "*",
        "*",
    )
    assert str(cron.timezone) == settings.TIME_ZONE

    plan = rows["Test monthly plan"]
    assert (plan.task, json.loads(plan.kwargs)) == (
        "workflows.tasks.run_schedule",
        {"name": "Test monthly plan"},
    )
    assert (plan.crontab.hour, plan.crontab.day_of_month) == ("9", "20")
    assert plan.description == MONTHLY.description


def test_a_second_sync_adds_nothing(declared):
    PeriodicTask.objects.all().delete()
    schedules_sync()
    counts = (
        PeriodicTask.objects.count(),
        IntervalSchedule.objects.count(),
        CrontabSchedule.objects.count(),
    )

    assert schedules_sync() == 0

    assert (
        PeriodicTask.objects.count(),
        IntervalSchedule.objects.count(),
        CrontabSchedule.objects.count(),
    ) == counts


def test_a_schedule_the_administrator_changed_or_disabled_stays_as_they_made_it(declared):
    schedules_sync()
    seven_thirty, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="7", day_of_month="*", month_of_year="*", day_of_week="1-5"
    )
    PeriodicTask.objects.filter(name="Daily digest").update(crontab=seven_thirty)
    PeriodicTask.objects.filter(name="Test monthly plan").update(enabled=False)
    PeriodicTask.objects.filter(name="Deliver notifications").delete()

    added = schedules_sync()

    assert added == 1  # only the one that is missing comes back
    assert PeriodicTask.objects.get(name="Daily digest").crontab == seven_thirty
    assert PeriodicTask.objects.get(name="Test monthly plan").enabled is False
    assert PeriodicTask.objects.get(name="Deliver notifications").enabled is True


# --- Scheduled jobs -------------------------------------------------------------------------


def test_a_job_runs_once_per_period_however_often_beat_fires(declared):
    first = schedule_run("Test monthly plan", at(2026, 11, 20, 9))
    again = [
        schedule_run("Test monthly plan", when)
        for when in (at(2026, 11, 20, 9), at(2026, 11, 20, 9, 1), at(2026, 11, 30, 23, 59))
    ]

    assert (first, again) == (True, [False, False, False])
    assert ran_on() == [(dt.date(2026, 11, 20), "ran for 2026-11")]
    run = ScheduleRun.objects.get()
    assert (run.name, run.period, run.ran_at) == (
        "Test monthly plan",
        "2026-11",
        at(2026, 11, 20, 9),
    )


def test_a_job_runs_again_in_the_next_period(declared):
    schedule_run("Test monthly plan", at(2026, 11, 20, 9))

    assert schedule_run("Test monthly plan", at(2026, 12, 20, 9)) is True

    assert ran_on() == [
        (dt.date(2026, 11, 20), "ran for 2026-11"),
        (dt.date(2026, 12, 20), "ran for 2026-12"),
    ]
    assert sorted(ScheduleRun.objects.values_list("period", flat=True)) == ["2026-11", "2026-12"]


def test_a_job_that_fails_leaves_no_trace_and_the_next_beat_runs_it(declared):
    FAILURES["left"] = 1

    with pytest.raises(RuntimeError, match="half-way"):
        schedule_run("Test flaky job", at(2026, 11, 26, 9))

    assert ran_on() == []  # what it wrote went back with it
    assert not ScheduleRun.objects.exists()

    assert schedule_run("Test flaky job", at(2026, 11, 26, 9, 5)) is True
    assert ran_on() == [(dt.date(2026, 11, 26), "ran for 2026-11-26")]
    assert ScheduleRun.objects.get().period == "2026-11-26"


def test_a_schedule_that_is_not_a_job_cannot_be_run(declared):
    with pytest.raises(LookupError):
        schedule_run("Daily digest", at(2026, 11, 26, 8))
    with pytest.raises(LookupError):
        schedule_run("No such schedule", at(2026, 11, 26, 8))
    assert not ScheduleRun.objects.exists()


# --- The tasks beat calls, with an ISO clock ------------------------------------------------


def test_run_schedule_task_takes_the_name_and_an_iso_clock(declared):
    # As beat calls it: with the kwargs of its periodic task.
    schedules_sync()
    kwargs = json.loads(PeriodicTask.objects.get(name=MONTHLY.name).kwargs)

    first = run_schedule(**kwargs, now="2026-11-20T09:00:00+08:00")
    second = run_schedule(**kwargs, now="2026-11-21T09:00:00+08:00")

    assert (first, second) == (True, False)
    assert ran_on() == [(dt.date(2026, 11, 20), "ran for 2026-11")]


def test_scan_deadlines_task_scans_at_the_given_iso_clock():
    UserFactory(roles=["sample_room"])
    record = JobFactory(state="planned")
    hears_every_step(record.requester, Job)
    Job.objects.filter(pk=record.pk).update(step_due_at=at(2026, 11, 26, 11))

    early = scan_deadlines("2026-11-24T10:00:00+08:00")  # two days before: nothing yet
    soon = scan_deadlines("2026-11-26T10:00:00+08:00")  # an hour before

    assert early == {"reminders": 0, "escalations": 0, "emails": 0}
    # The sample room and the requester are reminded, and emailed with the scan.
    assert soon == {"reminders": 1, "escalations": 0, "emails": 2}
    assert list(Reminder.objects.values_list("kind", flat=True)) == ["soon"]


def test_send_digests_task_sends_for_the_day_of_the_given_iso_clock():
    user = UserFactory(roles=["sample_room"])
    NotificationSettings.objects.create(user=user, email=NotificationSettings.Email.DIGEST)
    record = JobFactory(state="planned")
    Job.objects.filter(pk=record.pk).update(step_due_at=at(2026, 11, 26, 18))

    before = send_digests("2026-11-25T08:00:00+08:00")  # due the day after
    on_the_day = send_digests("2026-11-26T08:00:00+08:00")

    assert (before, on_the_day) == (0, 1)
    assert list(Digest.objects.values_list("day", flat=True)) == [dt.date(2026, 11, 26)]
