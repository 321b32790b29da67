"""The research app's periodic work (django-celery-beat, kept in the admin)."""

from workflows.schedules import Schedule

from .property_schedules import SCHEDULES as PROPERTY

SCHEDULES = [
    Schedule(
        name="Monthly sales plan",
        job="research.plan_services.sales_plans_open",
        crontab="0 8 20 * *",  # on the 20th, due by the 26th
        period="month",
        description=(
            "Opens next month's sales plan (销售计划表) for each key-account manager, "
            "due on the 26th or the working day before it."
        ),
    ),
    *PROPERTY,
]
