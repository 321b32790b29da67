"""The customer's satisfaction answers by year, for the customer's page."""

from __future__ import annotations

from typing import Any

from django import template

from workflows.rights import can_view_process

from ..survey import SurveyCampaign
from ..survey_analysis import customer_history

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_survey(context: dict[str, Any], customer: Any) -> list[dict[str, Any]] | None:
    """The customer's answers by year, or None for a reader outside the survey."""
    user = context["request"].user
    if not can_view_process(user, SurveyCampaign):
        return None
    return customer_history(customer.pk)
