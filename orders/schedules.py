"""The orders' periodic work: the payment follow-up of the seed (货款到账跟进)."""

from __future__ import annotations

from workflows.schedules import Schedule

SCHEDULES = [
    Schedule(
        name="Payment follow-up",
        job="orders.services.invoices_overdue_note",
        crontab="0 9 * * *",
        period="day",
        description="Each morning the salesperson and finance hear of every invoice past due.",
    ),
    Schedule(
        name="Quotation expiry",
        job="orders.quotation_services.quotations_expire",
        crontab="5 0 * * *",
        period="day",
        description="Each night the quotations past their validity date expire.",
    ),
]
