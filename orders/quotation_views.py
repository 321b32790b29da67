"""The quotation's pages beyond the engine's: sales' head and lines,
operations' figures, and the printouts 报价单 / 投标书 (only of an approved
revision, never with a cost)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from workflows.rights import read_record
from workflows.services import StaleRecord, StepNotAvailable, posted_seq
from workflows.views import WorkflowPrintView

from .models import Quotation
from .quotation_forms import CostFormSet, QuotationEntry
from .quotation_services import FROZEN_MESSAGE, quotation_costs_save, quotation_save


class QuotationEditView(View):
    """The quotation's terms and lines, changed by its salesperson while it is
    prepared or a new revision is; a frozen revision is refused with a message."""

    template_name = "orders/quotation_edit.html"

    def get_quotation(self, pk: int) -> tuple[Quotation, bool]:
        """The quotation, and whether it may be changed now (False: frozen)."""
        quotation = read_record(self.request.user, Quotation, pk, related=("customer",))
        if quotation.salesperson_id != self.request.user.pk and not self.request.user.is_superuser:
            raise PermissionDenied(_("Only the quotation's salesperson changes it."))
        if quotation.state not in Quotation.EDITABLE_STATES:
            messages.error(self.request, str(FROZEN_MESSAGE))
            return quotation, False
        if not quotation.may_edit(self.request.user):
            raise PermissionDenied(_("Only the quotation's salesperson changes it."))
        return quotation, True

    def render_entry(
        self, quotation: Quotation, entry: QuotationEntry, status: int = 200
    ) -> HttpResponse:
        context = {"entry": entry, "form": entry.form, "record": quotation}
        context.update(opts=Quotation._meta, model=Quotation)
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        quotation, editable = self.get_quotation(pk)
        if not editable:
            return redirect(quotation)
        return self.render_entry(quotation, QuotationEntry(instance=quotation))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        quotation, editable = self.get_quotation(pk)
        if not editable:
            return redirect(quotation)
        try:
            seen = posted_seq(request.POST)
        except StaleRecord as exc:
            messages.error(request, exc.message)
            return redirect(quotation)
        entry = QuotationEntry(request.POST, instance=Quotation.objects.get(pk=pk))
        if not entry.is_valid():
            messages.error(request, _("Please correct the errors below."))
            return self.render_entry(quotation, entry, status=400)
        try:
            quotation_save(quotation=quotation, entry=entry, user=request.user, seen_seq=seen)
        except (StaleRecord, StepNotAvailable) as exc:
            messages.error(request, exc.message)
            return redirect(quotation)
        messages.success(request, _("%(ref)s saved.") % {"ref": quotation.reference})
        return redirect(quotation)


class QuotationCostView(View):
    """Operations' models, technical parameters, purchase prices and lead times."""

    template_name = "orders/quotation_costs.html"

    def get_quotation(self, pk: int) -> Quotation:
        quotation = read_record(self.request.user, Quotation, pk, related=("customer",))
        if not quotation.may_cost(self.request.user):
            raise PermissionDenied(_("Operations give the purchase prices and lead times."))
        return quotation

    def render_costs(self, quotation: Quotation, formset: Any, status: int = 200) -> HttpResponse:
        context = {"formset": formset, "record": quotation}
        context.update(opts=Quotation._meta, model=Quotation)
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        quotation = self.get_quotation(pk)
        return self.render_costs(quotation, CostFormSet(queryset=quotation.lines.all()))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        quotation = self.get_quotation(pk)
        try:
            seen = posted_seq(request.POST)
        except StaleRecord as exc:
            messages.error(request, exc.message)
            return redirect(quotation)
        formset = CostFormSet(request.POST, queryset=quotation.lines.all())
        if not formset.is_valid():
            messages.error(request, _("Please correct the errors below."))
            return self.render_costs(quotation, formset, status=400)
        try:
            quotation_costs_save(
                quotation=quotation, formset=formset, user=request.user, seen_seq=seen
            )
        except (StaleRecord, StepNotAvailable) as exc:
            messages.error(request, exc.message)
            return redirect(quotation)
        messages.success(request, _("%(ref)s saved.") % {"ref": quotation.reference})
        return redirect(quotation)


class QuotationPrintView(WorkflowPrintView):
    """The formal quotation (报价单) or tender (投标书) of the approved revision:
    the customer's document, so it shows no cost whoever prints it."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_record(pk)
        approved = record.approved_revision()
        if record.state not in Quotation.PRINTABLE_STATES:
            approved = None  # not yet approved, or no longer offered
        context = {
            "record": record,
            "opts": record._meta,
            "lines": list(record.lines.all()) if approved else [],
            "revision": approved,
        }
        return render(request, "orders/quotation_print.html", context)
