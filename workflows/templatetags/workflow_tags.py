from __future__ import annotations

from typing import Any

from django import template
from django.db import models
from django.http import QueryDict
from django.utils.text import capfirst
from django.utils.translation import pgettext

from workflows.display import EMPTY, display_value, person
from workflows.models import CompanyProfile, WorkflowModel
from workflows.pagination import PAGE_PARAMS
from workflows.rights import user_roles
from workflows.roles import role_label
from workflows.selectors import SignatureLine
from workflows.selectors import signature_lines as record_signature_lines

register = template.Library()

# Shown by the record page's header and timeline, not among the record's fields.
ENGINE_FIELDS = frozenset({"id", "state", *(f.name for f in WorkflowModel._meta.fields)})


@register.simple_tag
def page_link(query: str, page: Any, direction: str) -> str:
    """The list's query string pointing at the ``"next"`` or ``"previous"`` page:
    with a cursor when the page offers one (``LargeTablePage.link``), else by number."""
    params = QueryDict(query, mutable=True)
    for name in PAGE_PARAMS:
        params.pop(name, None)
    link = getattr(page, "link", None)
    if link is not None:
        for name, value in link(direction).items():
            params[name] = value
    elif direction == "next":
        params["page"] = str(page.next_page_number())
    else:
        params["page"] = str(page.previous_page_number())
    return "?" + params.urlencode()


@register.filter
def field_value(record: Any, name: str) -> Any:
    display = getattr(record, f"get_{name}_display", None)
    return display() if callable(display) else getattr(record, name)


register.filter("person", person)


@register.simple_tag
def company_profile() -> CompanyProfile:
    """The company as printouts name it: ``{% company_profile as company %}``."""
    return CompanyProfile.current()


@register.simple_tag
def signature_lines(record: WorkflowModel) -> list[SignatureLine]:
    """The dated signature lines of a printout: ``{% signature_lines record as lines %}``."""
    return record_signature_lines(record)


@register.filter
def roles_of(user: Any) -> str:
    """The user's roles in the interface language."""
    separator = pgettext("list separator", ", ")
    return separator.join(str(role_label(code)) for code in sorted(user_roles(user)))


@register.simple_tag
def colon() -> str:
    """What follows a label before its value in the reader's language: ": " in
    English, the full-width "：" in Chinese. A template never types a colon
    after a translated label or a value (tests/workflows/test_punctuation.py)."""
    return pgettext("label separator", ": ")


@register.simple_tag
def comma() -> str:
    """What separates two parts of one value (a person and a date): ", " in
    English, the full-width "，" in Chinese."""
    return pgettext("clause separator", ", ")


@register.filter
def join_list(items: Any) -> str:
    return pgettext("list separator", ", ").join(str(i) for i in items)


@register.filter
def verbose(instance: Any, name: str) -> str:
    """A model field's label, in the interface language."""
    return capfirst(str(instance._meta.get_field(name).verbose_name))


def own_fields(model: type[models.Model]) -> list[str]:
    """The fields a process declares itself, in their order."""
    return [f.name for f in model._meta.concrete_fields if f.name not in ENGINE_FIELDS]


@register.simple_tag
def field_display(record: Any, name: str) -> Any:
    """One field's value for a cell, "—" when empty."""
    value = display_value(record, name)
    return EMPTY if value is None else value


@register.inclusion_tag("workflows/partials/field_rows.html")
def field_rows(record: Any, *names: str, layout: str = "dl") -> dict[str, Any]:
    """Rows of label and value, the label being the field's verbose name:
    ``{% field_rows record "customer" "materials?" %}``. A name ending in "?"
    is left out while the field is empty (blank, zero or none); the others show
    "—". Without names: every field the process declares, the empty ones left
    out. ``layout="table"`` gives table rows (the printed pages), else the
    ``dt``/``dd`` of a ``<dl class="row">``."""
    if not names:
        names = tuple(f"{n}?" for n in own_fields(type(record)))
    rows = []
    for name in names:
        optional = name.endswith("?")
        name = name.rstrip("?")
        if optional and not getattr(record, name):
            continue
        value = display_value(record, name)
        rows.append({"name": name, "label": verbose(record, name), "value": value})
    return {"rows": rows, "layout": layout, "empty": EMPTY}
