"""The complaints app's schedules: the year's satisfaction survey opened as
a draft, and the reminder to customers who have not answered."""

from workflows.schedules import Schedule

SCHEDULES = [
    Schedule(
        name="Yearly customer satisfaction survey",
        job="complaints.survey_services.campaign_open_yearly",
        crontab="0 9 2 1 *",
        period="year",
        description="Opens the year's satisfaction survey as a draft for the marketing manager.",
    ),
    Schedule(
        name="Satisfaction survey reminders",
        job="complaints.survey_services.reminders_job",
        crontab="0 10 * * *",
        period="day",
        description=(
            "Reminds once each customer who has not answered a survey closing within a week."
        ),
    ),
]
