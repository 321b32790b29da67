"""The menu groups the processes by app: an app of several processes is a
drop-down named by the app, one of a single process a link; the orders'
drop-down also holds the customers and receivables for those who read them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from workflows.registry import process_models
from workflows.roles import ROLES

pytestmark = pytest.mark.django_db

INBOX = reverse("workflows:inbox")


def menus(html: str) -> dict[str, list[str]]:
    """Each drop-down of the menu (by its app) with the addresses it holds."""
    found = {}
    for app, body in re.findall(r'data-testid="menu-(\w+)">(.*?)</ul>', html, re.S):
        found[app] = re.findall(r'class="dropdown-item[^"]*" href="([^"]+)"', body)
    return found


def test_an_app_of_several_processes_is_a_drop_down_of_its_lists(client_for):
    user = UserFactory(roles=[r.code for r in ROLES])
    html = client_for(user).get(INBOX).content.decode()

    found = menus(html)
    by_app: dict[str, list[str]] = {}
    for model in process_models():
        opts = model._meta
        by_app.setdefault(opts.app_label, []).append(
            reverse(f"{opts.app_label}:{opts.model_name}_list")
        )
    for app, urls in by_app.items():
        if len(urls) > 1:
            assert found[app][: len(urls)] == urls
        else:
            assert app not in found
            assert f'class="nav-link" href="{urls[0]}"' in html
    assert found["orders"][-2:] == [reverse("orders:customer_list"), reverse("orders:receivables")]


def test_the_open_processs_drop_down_is_marked_active(client_for):
    user = UserFactory(roles=["sales"])
    page = client_for(user).get(reverse("samples:sampleorder_list")).content.decode()

    menu = re.search(r'data-testid="menu-samples">\s*<a class="([^"]+)"', page)
    assert menu and "active" in menu[1].split()
    other = re.search(r'data-testid="menu-orders">\s*<a class="([^"]+)"', page)
    assert other and "active" not in other[1].split()


def test_the_menu_names_the_apps_in_chinese(client_for):
    user = UserFactory(roles=["sales"])
    html = client_for(user, language="zh-hans").get(INBOX).content.decode()

    labels = re.findall(r'data-testid="menu-\w+">\s*<a [^>]*>([^<]+)</a>', html)
    assert "订单" in labels and "样品" in labels
