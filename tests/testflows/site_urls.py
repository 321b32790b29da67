"""The project's URLs and the test processes' (``config.settings_test``)."""

from django.urls import include, path

from config.urls import handler403, handler404, handler500
from config.urls import urlpatterns as project_urls

urlpatterns = [*project_urls, path("testflows/", include("tests.testflows.urls"))]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
