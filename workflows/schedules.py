"""Schedules: periodic work declared in code and kept in django-celery-beat,
where an administrator changes its times in the admin.

The engine declares its own (the deadline scan, delivery, the daily digest).
A process declares its schedules in ``<app>/schedules.py`` as ``SCHEDULES``,
for instance the monthly sales plan of the seed documents::

    SCHEDULES = [
        Schedule(
            name="Monthly sales plan",
            job="orders.services.sales_plans_open",   # job(now, period) opens the records
            crontab="0 9 20 * *",                      # on the 20th, due by the 26th
            period="month",
            description="Each key-account manager drafts next month's plan by the 26th.",
        ),
    ]

A schedule with a ``job`` runs at most once per period (month, year, week or
day) however often beat fires: ``ScheduleRun`` holds the key, written in the
same transaction as the job's records. On every ``migrate`` the declared
schedules are added to beat's table when missing; one that exists is left as
the administrator made it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from .models import ScheduleRun
from .registry import app_modules

PERIODS = {
    "day": "%Y-%m-%d",
    "week": "%G-W%V",
    "month": "%Y-%m",
    "year": "%Y",
}


@dataclass(frozen=True)
class Schedule:
    name: str
    description: str = ""
    task: str = ""
    job: str = ""
    crontab: str = ""  # minute hour day-of-month month day-of-week, local time
    every: dt.timedelta | None = None
    period: str = "day"
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if bool(self.task) == bool(self.job):
            raise ValueError(f"schedule {self.name!r}: give a task or a job, not both")
        if bool(self.crontab) == (self.every is not None):
            raise ValueError(f"schedule {self.name!r}: give a crontab or an interval")
        if self.crontab and len(self.crontab.split()) != 5:
            raise ValueError(f"schedule {self.name!r}: a crontab has five fields")
        if self.period not in PERIODS:
            raise ValueError(f"schedule {self.name!r}: period is one of {sorted(PERIODS)}")

    @property
    def task_name(self) -> str:
        return self.task or "workflows.tasks.run_schedule"

    @property
    def task_kwargs(self) -> dict[str, Any]:
        return dict(self.kwargs) if self.task else {"name": self.name}

    def period_key(self, now: dt.datetime) -> str:
        return timezone.localtime(now).strftime(PERIODS[self.period])


ENGINE_SCHEDULES = (
    Schedule(
        name="Deadline reminders",
        task="workflows.tasks.scan_deadlines",
        every=dt.timedelta(minutes=5),
        description="Reminders before, at and after each step's deadline; escalations.",
    ),
    Schedule(
        name="Deliver notifications",
        task="workflows.tasks.deliver",
        every=dt.timedelta(minutes=1),
        description="Sends what waited while the broker or the mail server was away.",
    ),
    Schedule(
        name="Daily digest",
        task="workflows.tasks.send_digests",
        crontab="0 8 * * *",
        description="One email a day to each user who chose the digest.",
    ),
)


@cache
def all_schedules() -> tuple[Schedule, ...]:
    """The engine's schedules and those each installed app declares."""
    found = list(ENGINE_SCHEDULES)
    for _config, module in app_modules("schedules"):
        found.extend(getattr(module, "SCHEDULES", ()))
    names = [s.name for s in found]
    if len(names) != len(set(names)):
        raise ValueError(f"two schedules share a name: {names}")
    return tuple(found)


def schedule_named(name: str) -> Schedule | None:
    return next((s for s in all_schedules() if s.name == name), None)


def _interval(every: dt.timedelta) -> dict[str, Any]:
    """An interval in the largest whole unit, as the admin shows it (5 minutes)."""
    seconds = int(every.total_seconds())
    for unit, period in (
        (86400, IntervalSchedule.DAYS),
        (3600, IntervalSchedule.HOURS),
        (60, IntervalSchedule.MINUTES),
    ):
        if seconds % unit == 0:
            return {"every": seconds // unit, "period": period}
    return {"every": seconds, "period": IntervalSchedule.SECONDS}


def schedules_sync() -> int:
    """Add the declared schedules missing from beat's table; how many were added."""
    existing = set(PeriodicTask.objects.values_list("name", flat=True))
    added = 0
    for schedule in all_schedules():
        if schedule.name in existing:
            continue
        when: dict[str, Any]
        if schedule.every is not None:
            interval, _ = IntervalSchedule.objects.get_or_create(**_interval(schedule.every))
            when = {"interval": interval}
        else:
            minute, hour, day_of_month, month_of_year, day_of_week = schedule.crontab.split()
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=minute,
                hour=hour,
                day_of_month=day_of_month,
                month_of_year=month_of_year,
                day_of_week=day_of_week,
                timezone=settings.TIME_ZONE,
            )
            when = {"crontab": crontab}
        PeriodicTask.objects.create(
            name=schedule.name,
            task=schedule.task_name,
            kwargs=json.dumps(schedule.task_kwargs),
            description=schedule.description,
            enabled=True,
            **when,
        )
        added += 1
    return added


def schedule_run(name: str, now: dt.datetime | None = None) -> bool:
    """Run a schedule's job for the period ``now`` falls in, unless it ran for
    it already; True if it ran now."""
    schedule = schedule_named(name)
    if schedule is None or not schedule.job:
        raise LookupError(f"no scheduled job named {name!r}")
    now = now or timezone.now()
    period = schedule.period_key(now)
    with transaction.atomic():
        try:
            with transaction.atomic():
                ScheduleRun.objects.create(name=name, period=period, ran_at=now)
        except IntegrityError:
            return False  # ran for this period already (a second beat, a retried task)
        import_string(schedule.job)(now=now, period=period)
    return True
