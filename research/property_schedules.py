"""The property surveys' schedule: each key development's monthly tracking
survey (每月安排一次对重点个案的跟踪调查)."""

from __future__ import annotations

from workflows.schedules import Schedule

SCHEDULES = [
    Schedule(
        name="Key development tracking surveys",
        job="research.property_services.tracking_surveys_open",
        crontab="0 8 1 * *",
        period="month",
        description=(
            "On the 1st, a tracking survey of each key development for its district's "
            "researcher, due by the month's last working day."
        ),
    ),
]
