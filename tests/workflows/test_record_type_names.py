"""A record type has one name everywhere, in each language: declared once in
its ``Meta`` (``verbose_name`` for one record, ``verbose_name_plural`` for
the list), it names the menu entry, the list's title, the create button, the
creation page, the record page's way back, the printout and the admin."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from tests.factories import UserFactory
from tests.kits import kits
from workflows.roles import ROLES

MODELS = [pytest.param(kit.model, id=kit.model.__name__) for kit in kits()]
LANGUAGES = ["en", "zh-hans"]

pytestmark = pytest.mark.django_db


def names(model: type, language: str) -> tuple[str, str]:
    """(one record, the list) in ``language``."""
    with translation.override(language):
        return str(model._meta.verbose_name), str(capfirst(model._meta.verbose_name_plural))


def new_label(model: type, language: str) -> str:
    with translation.override(language):
        return translation.gettext("New %(name)s") % {"name": model._meta.verbose_name}


def text_of(pattern: str, html: str) -> list[str]:
    return [html_lib.unescape(m.strip()) for m in re.findall(pattern, html, re.S)]


@pytest.fixture
def everyone(db: None) -> Any:
    """A superuser holding every role: sees every process, page and the admin."""
    return UserFactory(is_staff=True, is_superuser=True, roles=[r.code for r in ROLES])


@pytest.mark.parametrize("model", MODELS)
def test_the_process_label_is_the_plural_declared_in_meta_and_nothing_else(model):
    assert "process_label" not in vars(model)  # not declared a second time
    for language in LANGUAGES:
        one, many = names(model, language)
        with translation.override(language):
            assert str(model.process_label) == str(model.process_name()) == many
        assert one and many


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("model", MODELS)
def test_menu_list_button_form_record_and_printout_use_the_one_name(
    model, language, everyone, client_for
):
    one, many = names(model, language)
    kit = next(k for k in kits() if k.model is model)
    record = kit.factory()
    client = client_for(everyone, language=language)
    opts = model._meta
    list_url = reverse(f"{opts.app_label}:{opts.model_name}_list")

    listed = client.get(list_url).content.decode()
    shown = client.get(record.get_absolute_url()).content.decode()
    printed = client.get(
        reverse(f"{opts.app_label}:{opts.model_name}_print", args=[record.pk])
    ).content.decode()

    menu = rf'<a class="(?:nav-link|dropdown-item)[^"]*" href="{list_url}">(.*?)</a>'
    assert text_of(menu, listed) == [many]
    assert text_of(r'<h1 class="h3 mb-0">(.*?)</h1>', listed) == [many]
    assert text_of(rf'<a href="{list_url}">(.*?)</a></li>', shown) == [many]
    if model.create_form is not None:
        assert text_of(r'data-testid="create">(.*?)</a>', listed) == [new_label(model, language)]
        created = client.get(reverse(f"{opts.app_label}:{opts.model_name}_create"))
        assert text_of(r'<h1 class="h3">(.*?)</h1>', created.content.decode()) == [
            new_label(model, language)
        ]
    assert one.lower() in new_label(model, language).lower()
    # The printout of a process without its own title names the record type.
    title = text_of(r"<title>(.*?)</title>", printed)[0]
    assert record.reference in title


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("model", MODELS)
def test_the_admin_uses_the_same_names(model, language, everyone, client_for):
    one, many = names(model, language)
    opts = model._meta
    client = client_for(everyone, language=language)
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")

    index = client.get(reverse("admin:index")).content.decode()
    listed = client.get(changelist)

    assert text_of(rf'<th scope="row"[^>]*>\s*<a href="{changelist}">(.*?)</a>', index) == [many]
    assert str(listed.context["cl"].opts.verbose_name) == one
    assert str(listed.context["cl"].opts.verbose_name_plural) == str(
        model._meta.verbose_name_plural
    )
