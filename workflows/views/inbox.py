"""The inbox: what waits for the signed-in user, across every process."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ..selectors import escalated_to, inbox


def inbox_view(request: HttpRequest) -> HttpResponse:
    sections = inbox(request.user)
    chosen = request.GET.get("process", "")
    shown = [s for s in sections if not chosen or s.key == chosen]
    rows = sorted(
        ((s, r) for s in shown for r in s.records),
        key=lambda sr: (sr[1].step_due_at is None, sr[1].step_due_at or sr[1].created_at),
    )
    return render(
        request,
        "workflows/inbox.html",
        {
            "sections": sections,
            "rows": rows,
            "chosen": chosen,
            "now": timezone.now(),
            "escalations": [e for e in escalated_to(request.user) if e.record is not None],
        },
    )
