"""Writes of the proposals app beyond one record's own fields: report revisions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from workflows.rights import may_take
from workflows.services import (
    STALE_MESSAGE,
    FormInvalid,
    StaleRecord,
    revision_approve,
    revision_draft,
    revision_freeze,
    revision_next,
)

from .models import ComparableProject, Proposal, ProposalReport

# The state in which each kind of report is written, and the step that submits it.
WRITING = {
    Proposal.State.RESEARCHING: (ProposalReport.Kind.PRELIMINARY, "submit_preliminary"),
    Proposal.State.REVISING: (ProposalReport.Kind.FORMAL, "submit_formal"),
}


def report_open_draft(*, record: Proposal, user: AbstractBaseUser, data: dict[str, Any]) -> None:
    """Open the next revision for writing, carrying over the latest one's content.

    Runs inside the transition that enters a writing state (research starts,
    a report is returned, revision for the formal report begins).
    """
    kind, _step = WRITING[record.state]
    if revision_draft(record, ProposalReport) is not None:
        return
    draft, latest = revision_next(record, ProposalReport, copy=ProposalReport.COPIED)
    draft.kind, draft.based_on, draft.updated_by = kind, latest, user
    draft.save()
    if latest is not None:
        ComparableProject.objects.bulk_create(
            ComparableProject(
                report=draft,
                name=c.name,
                price=c.price,
                layouts=c.layouts,
                area=c.area,
                product_form=c.product_form,
                environment=c.environment,
                selling_points=c.selling_points,
                sales_status=c.sales_status,
            )
            for c in latest.comparables.all()
        )


def report_submit_draft(*, record: Proposal, user: AbstractBaseUser, data: dict[str, Any]) -> None:
    """Freeze the revision being written: it can be read, never changed."""
    revision_freeze(record=record, model=ProposalReport, user=user)


def report_approve(*, record: Proposal, user: AbstractBaseUser, data: dict[str, Any]) -> None:
    revision_approve(record=record, model=ProposalReport, user=user)


def report_may_edit(proposal: Proposal, user: AbstractBaseUser) -> bool:
    """Those who may submit the report being written may edit it."""
    writing = WRITING.get(proposal.state)
    if writing is None:
        return False
    for transition in proposal.transition_named(writing[1]):
        if may_take(proposal, transition, user):
            return True
    return False


class ReportMovedOn(StaleRecord):
    """The proposal left the step the page was shown in, or the revision was
    submitted: the page's draft can no longer be saved."""


def report_save(
    *,
    report: ProposalReport,
    user: AbstractBaseUser,
    form: forms.ModelForm,
    comparables: forms.BaseInlineFormSet,
    seen_seq: int,
    seen_version: int,
) -> ProposalReport:
    """Save the sections and the comparable-project table of the draft.

    ``seen_seq`` and ``seen_version`` are the proposal's step number and the
    draft's version the page showed. Under the locks of both rows: refused
    (nothing written) with ``ReportMovedOn`` when the proposal moved on or the
    revision was submitted, ``StaleRecord`` when the draft was saved since the
    page was shown, ``FormInvalid`` when the sections or the table are invalid.
    """
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=report.proposal_id)
        if proposal.step_seq != seen_seq:
            raise ReportMovedOn(
                _("The proposal moved on while you were editing; nothing was saved.")
            )
        locked = ProposalReport.objects.select_for_update().get(pk=report.pk)
        if locked.frozen:
            raise ReportMovedOn(_("This revision was submitted and can no longer be changed."))
        if not report_may_edit(proposal, user):
            raise PermissionDenied(_("You may not edit this report now."))
        if locked.version != seen_version:
            raise StaleRecord(STALE_MESSAGE)
        # Validated under the lock: the table's rows are the ones saved now.
        valid = [form.is_valid(), comparables.is_valid()]
        if not all(valid):
            raise FormInvalid(form)
        saved = form.save(commit=False)
        saved.updated_by = user
        saved.version = locked.version + 1
        saved.save(update_fields=[*ProposalReport.COPIED, "updated_by", "version", "updated_at"])
        comparables.instance = saved
        comparables.save()
    return saved
