from __future__ import annotations

from typing import Any

from django.apps import apps
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

    groups = _groups(processes, request.path)
    return {
        "nav_processes": processes,
        "nav_groups": groups,
        # The apps shown as a drop-down, which the menu's other links may join.
        "nav_menus": {g["app"] for g in groups if len(g["items"]) > 1},
        "nav_unread": unread,
    }


def _groups(processes: list[dict[str, Any]], path: str) -> list[dict[str, Any]]:
    """The processes by app, in the order they come: an app of one process is
    a link of the menu, one of several a drop-down named by the app (its
    config's ``menu_label``, else its ``verbose_name``), marked
    active while a page of one of its processes is open."""
    groups: dict[str, dict[str, Any]] = {}
    for p in processes:
        group = groups.get(p["app"])
        if group is None:
            config = apps.get_app_config(p["app"])
            label = getattr(config, "menu_label", config.verbose_name)
            group = groups[p["app"]] = {"app": p["app"], "label": label, "items": []}
        group["items"].append(p)
    for group in groups.values():
        group["active"] = any(path.startswith(p["url"]) for p in group["items"])
    return list(groups.values())
