"""Amounts and quantities as the order pages and printouts show them: with
thousands separators in every language (the Chinese number format has none)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from orders.models import money

register = template.Library()


@register.filter
def amount(value: Any) -> str:
    """1234567.891 → "1,234,567.89" (half-up to the cent); "—" when empty."""
    if value is None or value == "":
        return "—"
    try:
        return f"{money(Decimal(value)):,.2f}"
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


@register.filter
def quantity(value: Any) -> str:
    """100.00 → "100", 2.50 → "2.50", 12000 → "12,000"."""
    if value is None or value == "":
        return "—"
    try:
        cents = money(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return f"{cents:,.0f}" if cents == cents.to_integral_value() else f"{cents:,.2f}"
