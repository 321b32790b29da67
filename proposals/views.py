"""The proposals' report pages; the proposal's own pages are the engine's
(proposals/urls.py)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from workflows.rights import read_record
from workflows.services import FormInvalid, StaleRecord, posted_seq

from .forms import ComparableFormSet, ReportForm
from .models import Proposal, ProposalReport
from .services import ReportMovedOn, report_may_edit, report_save


def _report(request: HttpRequest, pk: int, revision: int) -> ProposalReport:
    proposal = read_record(request.user, Proposal, pk)
    return get_object_or_404(
        ProposalReport.objects.select_related("proposal", "submitted_by", "approved_by"),
        proposal=proposal,
        revision=revision,
    )


def report_view(request: HttpRequest, pk: int, revision: int) -> HttpResponse:
    """One revision of a report, read-only; ``?print=1`` is the printable proposal report."""
    report = _report(request, pk, revision)
    template = (
        "proposals/report_print.html"
        if request.GET.get("print")
        else "proposals/report_detail.html"
    )
    return render(
        request,
        template,
        {
            "report": report,
            "proposal": report.proposal,
            "comparables": list(report.comparables.all()),
            "revisions": list(report.proposal.reports.all()),
        },
    )


def report_edit(request: HttpRequest, pk: int, revision: int) -> HttpResponse:
    report = _report(request, pk, revision)
    proposal = report.proposal
    if report.frozen:
        messages.error(request, _("This revision was submitted and can no longer be changed."))
        return redirect("proposals:report", pk=pk, revision=revision)
    if not report_may_edit(proposal, request.user):
        raise PermissionDenied(_("You may not edit this report now."))
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST, instance=report)
        comparables = ComparableFormSet(request.POST, instance=report, prefix="comparables")
        try:
            report_save(
                report=report,
                user=request.user,
                form=form,
                comparables=comparables,
                seen_seq=posted_seq(request.POST),
                seen_version=posted_seq(request.POST, "_version"),
            )
        except ReportMovedOn as exc:
            messages.error(request, exc.message)
            return redirect(proposal)
        except StaleRecord as exc:
            # Saved meanwhile from another page: shown again with the user's text
            # and the version saved now.
            messages.error(request, exc.message)
            report.refresh_from_db(fields=["version"])
            status = 409
        except FormInvalid:
            messages.error(request, _("Please correct the errors below."))
            status = 400
        else:
            messages.success(request, _("Report saved."))
            if request.POST.get("_continue"):
                return redirect("proposals:report_edit", pk=pk, revision=revision)
            return redirect(proposal)
    elif request.method == "GET":
        form = ReportForm(instance=report)
        comparables = ComparableFormSet(instance=report, prefix="comparables")
    else:
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(
        request,
        "proposals/report_form.html",
        {
            "report": report,
            "proposal": proposal,
            "form": form,
            "comparables": comparables,
            "stale": status == 409,
        },
        status=status,
    )
