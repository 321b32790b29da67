"""The won/lost summary on the quotation list: per month the outcome was
reached and per reason lost, over the quotations the reader may read."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from workflows.rights import readable

from .models import Quotation

MONTHS = 6


def won_lost_summary(user: Any) -> dict[str, Any]:
    """Per month (the last ``MONTHS`` with an outcome): quotations won and
    lost, and the amount won per currency; and the lost ones per reason.
    Three queries however many quotations there are."""
    closed = readable(user, Quotation).filter(state__in=[Quotation.State.WON, Quotation.State.LOST])
    rows = (
        closed.annotate(month=TruncMonth("step_started_at"))
        .values("month", "state", "currency")
        .annotate(n=Count("pk"), amount=Sum("total"))
        .order_by("-month")
    )
    months: dict[Any, dict[str, Any]] = {}
    for row in rows:
        month = months.setdefault(
            row["month"], {"month": row["month"], "won": 0, "lost": 0, "amounts": {}}
        )
        month[row["state"]] += row["n"]
        if row["state"] == Quotation.State.WON:
            month["amounts"][row["currency"]] = (
                month["amounts"].get(row["currency"], 0) + row["amount"]
            )
    periods = sorted(months.values(), key=lambda m: m["month"] or 0, reverse=True)[:MONTHS]
    for period in periods:
        period["amounts"] = sorted(period["amounts"].items())
    labels = dict(Quotation.LostReason.choices)
    reasons = [
        {"reason": labels.get(r["lost_reason"], r["lost_reason"]), "n": r["n"]}
        for r in closed.filter(state=Quotation.State.LOST)
        .values("lost_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "lost_reason")
    ]
    return {"periods": periods, "reasons": reasons}
