"""The web benchmark's bare view exists only under its own settings' URLs: the
project's URLs (production's) never route it."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, resolve

import config.bench_urls
import config.urls


def test_the_bare_view_is_not_routed_by_the_projects_urls():
    with pytest.raises(Resolver404):
        resolve("/bench/bare/", urlconf=config.urls)


def test_the_benchmark_urls_route_it_besides_every_page_of_the_project():
    assert resolve("/bench/bare/", urlconf=config.bench_urls).func is config.bench_urls.bare
    assert resolve("/notifications/", urlconf=config.bench_urls).url_name == "notifications"
    assert len(config.bench_urls.urlpatterns) == len(config.urls.urlpatterns) + 1
