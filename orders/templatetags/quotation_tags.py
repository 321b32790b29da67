"""The quotation list's won/lost summary."""

from __future__ import annotations

from typing import Any

from django import template

from orders.quotation_summary import won_lost_summary

register = template.Library()


@register.simple_tag(takes_context=True)
def quotation_summary(context: Any) -> dict[str, Any]:
    return won_lost_summary(context["request"].user)
