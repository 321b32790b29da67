from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag
def page_url(query: str, page: int) -> str:
    """The list's query string with another page number."""
    params = QueryDict(query, mutable=True)
    params["page"] = str(page)
    return "?" + params.urlencode()


@register.filter
def field_value(record: Any, name: str) -> Any:
    display = getattr(record, f"get_{name}_display", None)
    return display() if callable(display) else getattr(record, name)
