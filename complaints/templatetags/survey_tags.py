"""The customer's satisfaction answers by year, for the customer's page."""

from __future__ import annotations

from typing import Any

from django import template

from ..survey_analysis import customer_history

register = template.Library()


@register.simple_tag
def customer_survey(customer: Any) -> list[dict[str, Any]]:
    """The customer's answers by year (whoever reads the customer reads them)."""
    return customer_history(customer.pk)
