from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from workflows.rights import user_roles
from workflows.roles import role_label

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


@register.filter
def person(user: Any) -> str:
    """A user as colleagues know them: full name, else username; the system when nobody."""
    if user is None:
        return str(_("system"))
    return user.get_full_name() or user.get_username()


@register.filter
def roles_of(user: Any) -> str:
    """The user's roles in the interface language."""
    separator = pgettext("list separator", ", ")
    return separator.join(str(role_label(code)) for code in sorted(user_roles(user)))


@register.filter
def join_list(items: Any) -> str:
    return pgettext("list separator", ", ").join(str(i) for i in items)


@register.filter
def verbose(instance: Any, name: str) -> str:
    """A model field's label, in the interface language."""
    return capfirst(str(instance._meta.get_field(name).verbose_name))
