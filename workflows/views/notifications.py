"""The bell: the user's notifications, marking them read, and how they want
to be told by email."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms import NotificationSettingsForm
from ..models import NotificationSettings
from ..notify.messages import mark_read
from ..pagination import LargeTablePaginator


def notifications_view(request: HttpRequest) -> HttpResponse:
    notes = request.user.notifications.all()
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    page = LargeTablePaginator(notes, 30).get_page(request.GET.get("page"))
    mode = NotificationSettings.email_mode(request.user)
    query = request.GET.copy()
    query.pop("page", None)
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
    current = NotificationSettings.objects.filter(user=request.user).first()
    form = NotificationSettingsForm(
        request.POST or None, instance=current or NotificationSettings(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your notification settings were saved."))
        return redirect("workflows:notification_settings")
    return render(
        request,
        "workflows/notification_settings.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
