"""Response hardening and the error pages that are not the engine's own.

- :class:`ResponseHardeningMiddleware`: every response the application renders is
  marked ``Cache-Control: private, no-store`` (each page is someone's, or carries a
  CSRF token; downloads are confidential), carries the ``Permissions-Policy``, and a
  bare ``405 Method Not Allowed`` becomes the application's page. Static files are
  served before it (nginx, WhiteNoise) and keep their long cache.
- the 400, CSRF-failure and 500 pages (``config/urls.py``, ``CSRF_FAILURE_VIEW``).
- :func:`attachment_inline`: which uploads the browser may show instead of saving.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.cache import patch_cache_control

# Raster images only: a PDF or an SVG can carry script and is always downloaded.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def attachment_inline(mime_type: str) -> bool:
    """True if a download of this type is shown in the browser (images), not saved."""
    return mime_type in INLINE_TYPES


class ResponseHardeningMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not response.streaming
            and not response.content
            and "Allow" in response
        ):
            response = not_allowed(request, response["Allow"])
        patch_cache_control(response, private=True, no_store=True)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def not_allowed(request: HttpRequest, allow: str) -> HttpResponse:
    response = render(
        request,
        "405.html",
        {"method": request.method, "allowed": [m.strip() for m in allow.split(",") if m]},
        status=405,
    )
    response["Allow"] = allow
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the context processors read the database, which may be
    # what failed (a statement timeout), and the page must come at once.
    return HttpResponseServerError(loader.get_template("500.html").render())
