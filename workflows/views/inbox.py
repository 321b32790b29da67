"""The inbox: what waits for the signed-in user, across every process.

Three parts: the records waiting for the user (what they can do now), those
where the user's step waits on others, and, for a manager, the steps
escalated to them. The most urgent page of each, across the processes, shows
on the inbox, with how many more each process has; each process's
part (``?process=<app.model>``, with ``&part=waiting``) and the escalations
(``?part=escalated``) have pages of their own. Every part makes a fixed
number of queries, however many records there are.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ..selectors import (
    INBOX_PAGE,
    InboxSection,
    escalations_open,
    inbox,
    inbox_part,
    with_records,
)

PARTS = ("todo", "waiting", "escalated")


def _by_deadline(rows: list[tuple[InboxSection, Any]]) -> list[tuple[InboxSection, Any]]:
    return sorted(
        rows,
        key=lambda sr: (sr[1].step_due_at is None, sr[1].step_due_at or sr[1].created_at),
    )


def inbox_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    sections = inbox(user)
    chosen = request.GET.get("process", "")
    part = request.GET.get("part", "todo")
    if part not in PARTS:
        part = "todo"
    section = next((s for s in sections if s.key == chosen), None)
    if section is None:
        chosen = ""
    page_obj = None
    escalations: list[Any] = []
    escalation_count = 0
    rows: list[tuple[InboxSection, Any]] = []
    waiting: list[tuple[InboxSection, Any]] = []
    if part == "escalated":
        page_obj = Paginator(escalations_open(user), INBOX_PAGE).get_page(request.GET.get("page"))
        escalations = with_records(page_obj.object_list)
        escalation_count = page_obj.paginator.count
    elif section is not None:
        # One process: a page of its to-do part, or of its waiting part.
        found = inbox_part(section.model, user, part)
        if found is not None:
            page_obj = Paginator(found.qs, INBOX_PAGE).get_page(request.GET.get("page"))
            shown = [(section, r) for r in found.label(page_obj.object_list)]
            if part == "waiting":
                waiting = shown
            else:
                rows = shown
                waiting = [(section, r) for r in section.waiting]
    else:
        part = "todo"
        # The most urgent page across the processes; each section keeps the rows
        # shown of it, so that it says how many more it has.
        rows = _by_deadline([(s, r) for s in sections for r in s.records])[:INBOX_PAGE]
        waiting = _by_deadline([(s, r) for s in sections for r in s.waiting])[:INBOX_PAGE]
        for s in sections:
            s.records = [r for owner, r in rows if owner is s]
            s.waiting = [r for owner, r in waiting if owner is s]
        escalations = with_records(escalations_open(user)[:INBOX_PAGE])
        escalation_count = len(escalations)
        if escalation_count == INBOX_PAGE:
            escalation_count = escalations_open(user).count()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workflows/inbox.html",
        {
            "sections": sections,
            "section": section,
            "rows": rows,
            "waiting": waiting,
            "chosen": chosen,
            "part": part,
            "page_obj": page_obj,
            "query": query.urlencode(),
            "now": timezone.now(),
            "escalations": escalations,
            "escalation_count": escalation_count,
            "waiting_count": sum(s.waiting_count for s in sections),
        },
    )
