"""The order contract form as a browser posts it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone


def order_post(
    customer: Any,
    salesperson: Any,
    lines: list[dict[str, Any]] | None = None,
    batches: list[dict[str, Any]] | None = None,
    **head: Any,
) -> dict[str, str]:
    """The form's head, ``lines`` and ``batches`` (each a dict of its fields) with
    their management forms, all as strings."""
    lines = (
        lines
        if lines is not None
        else [{"product": "Vacuum flask", "unit": "pcs", "quantity": "100", "unit_price": "12.50"}]
    )
    batches = batches or []
    data: dict[str, Any] = {
        "customer": getattr(customer, "pk", customer),
        "salesperson": getattr(salesperson, "pk", salesperson),
        "channel": "contract",
        "customer_order_no": "PO-7788",
        "order_date": timezone.localdate().isoformat(),
        "currency": "CNY",
        "payment_days": "60",
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 1,
        "lines-MAX_NUM_FORMS": 200,
        "batches-TOTAL_FORMS": len(batches),
        "batches-INITIAL_FORMS": 0,
        "batches-MIN_NUM_FORMS": 0,
        "batches-MAX_NUM_FORMS": 200,
        **head,
    }
    for i, line in enumerate(lines):
        for key, value in {"tax_rate": "13", "spec": "", **line}.items():
            data[f"lines-{i}-{key}"] = value
    for i, batch in enumerate(batches):
        for key, value in batch.items():
            data[f"batches-{i}-{key}"] = value
    return {k: v.isoformat() if isinstance(v, dt.date) else str(v) for k, v in data.items()}
