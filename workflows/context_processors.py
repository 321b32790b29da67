from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .registry import process_models
from .rights import can_view_process


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The processes the user takes part in, for the menu, and the unread count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    processes = []
    for model in process_models():
        if not can_view_process(user, model):
            continue
        try:
            url = reverse(f"{model._meta.app_label}:{model._meta.model_name}_list")
        except NoReverseMatch:
            continue
        processes.append({"label": model.process_label, "url": url, "app": model._meta.app_label})

    def unread() -> int:
        return user.notifications.filter(read_at__isnull=True).count()

    return {"nav_processes": processes, "nav_unread": unread}
