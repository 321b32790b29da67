"""The bell: the user's notifications, the short list under the bell,
opening one (marked read on the way to its record), marking them read, and
how the user wants to be told."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..forms import NotificationPreferencesForm, NotificationSettingsForm
from ..models import NotificationPreference, NotificationSettings
from ..notify.messages import mark_read
from ..pagination import LargeTablePaginator, without_position
from ..registry import process_models
from ..rights import can_view_process

# How many of the latest unread notifications the bell's menu shows.
BELL_LATEST = 5


def notifications_view(request: HttpRequest) -> HttpResponse:
    notes = request.user.notifications.all()
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    # Newest first (the model's order and index): next and previous by cursor.
    page = LargeTablePaginator(notes, 30, keyset=("created_at", "pk")).get_page_at(
        request.GET.get("page"), request.GET.get("after"), request.GET.get("before")
    )
    mode = NotificationSettings.email_mode(request.user)
    query = without_position(request.GET)
    return render(
        request,
        "workflows/notifications.html",
        {
            "page_obj": page,
            "unread_only": unread_only,
            "query": query.urlencode(),
            "email_mode": NotificationSettings.Email(mode).label,
        },
    )


@require_GET
def notifications_menu(request: HttpRequest) -> HttpResponse:
    """The bell's menu: the latest unread notifications and how many there
    are, as a fragment the bell's script puts in place when it opens."""
    unread = request.user.notifications.filter(read_at__isnull=True)
    latest = list(unread[:BELL_LATEST])
    count = len(latest) if len(latest) < BELL_LATEST else unread.count()
    # Without the request: the menu needs none of what every page's context
    # processors read (the processes of the navigation, the unread count).
    response = HttpResponse(
        render_to_string(
            "workflows/partials/bell_menu.html", {"latest": latest, "unread_count": count}
        )
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open one of the user's notifications: mark it read and go to its
    record. Only ever to the record's own page, made from the record the
    notification is about (never from anything posted or stored as text);
    to the list when the record is gone."""
    note = get_object_or_404(request.user.notifications.select_related("content_type"), pk=pk)
    if note.read_at is None:
        request.user.notifications.filter(pk=note.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    model = note.content_type.model_class() if note.content_type else None
    record = None
    if model is not None and note.object_id is not None:
        record = model._default_manager.filter(pk=note.object_id).first()
    if record is not None and hasattr(record, "get_absolute_url"):
        target = record.get_absolute_url()
        if url_has_allowed_host_and_scheme(target, allowed_hosts=None):
            return redirect(target)
    messages.info(request, _("The record of this notification no longer exists."))
    return redirect("workflows:notifications")


@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (``id``) or all of them read."""
    raw = request.POST.get("id", "")
    if raw and not raw.isdigit():
        messages.error(request, _("That notification does not exist."))
    else:
        mark_read(request.user, [int(raw)] if raw else None)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("workflows:notifications")


def notification_settings_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = NotificationSettings.objects.filter(user=user).first()
    data = request.POST if request.method == "POST" else None
    form = NotificationSettingsForm(data, instance=current or NotificationSettings(user=user))
    processes = [m for m in process_models() if can_view_process(user, m)]
    chosen = dict(
        NotificationPreference.objects.filter(user=user).values_list("content_type_id", "level")
    )
    choices = NotificationPreferencesForm(data, processes=processes, chosen=chosen)
    if data is not None and form.is_valid() and choices.is_valid():
        form.save()
        choices.save(user)
        messages.success(request, _("Your notification settings were saved."))
        return redirect("workflows:notification_settings")
    return render(
        request,
        "workflows/notification_settings.html",
        {"form": form, "choices": choices},
        status=400 if form.errors or choices.errors else 200,
    )
