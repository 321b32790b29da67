"""The project's URLs and the web benchmark's floor (``config.bench`` only).

``/bench/bare/`` is a page behind login that makes one query of its own: what
every page costs at least (the session, the user, the middleware), against
which ``make bench-web`` sets the real pages.
"""

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as project_urls


def bare(request: HttpRequest) -> HttpResponse:
    known = get_user_model().objects.filter(pk=request.user.pk).exists()
    return HttpResponse(f"ok {known}", content_type="text/plain")


urlpatterns = [*project_urls, path("bench/bare/", bare, name="bench_bare")]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
