"""URL patterns every process model gets from its views."""

from __future__ import annotations

from django.urls import URLPattern, path
from django.views import View


def workflow_urls(
    model_name: str,
    *,
    list_view: type[View],
    detail_view: type[View],
    create_view: type[View] | None = None,
    prefix: str = "",
) -> list[URLPattern]:
    """``<prefix>``: list; ``new/``; ``<pk>/``; ``<pk>/step/<name>/``, ``<pk>/sign/``
    and ``<pk>/attach/`` (POST only), named ``<model>_list`` and so on."""
    detail = detail_view.as_view()
    patterns = [
        path(f"{prefix}", list_view.as_view(), name=f"{model_name}_list"),
        path(f"{prefix}<int:pk>/", detail, name=f"{model_name}_detail"),
        path(
            f"{prefix}<int:pk>/step/<str:name>/",
            detail,
            {"action": "step"},
            name=f"{model_name}_step",
        ),
        path(f"{prefix}<int:pk>/sign/", detail, {"action": "sign"}, name=f"{model_name}_sign"),
        path(
            f"{prefix}<int:pk>/attach/", detail, {"action": "attach"}, name=f"{model_name}_attach"
        ),
    ]
    if create_view is not None:
        patterns.append(path(f"{prefix}new/", create_view.as_view(), name=f"{model_name}_create"))
    return patterns
