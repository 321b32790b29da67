"""Printouts of customer-supplied drawings and products: the handover record
of the drawings (客户来图移交记录) and the inspection-and-storage notice of the
products (原材料、外购件、外协件检验入库通知单)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from workflows.rights import read_filter
from workflows.views import WorkflowCreateView, WorkflowPrintView

from .models import Order, SuppliedItem


class SupplyCreateView(WorkflowCreateView):
    """The engine's creation form of customer-supplied drawings and products,
    its optional order chosen among the orders the user reads (the latest
    first); the order must be the customer's (``CustomerSupply.clean``)."""

    def get_form(self, *args: Any, **kwargs: Any) -> forms.ModelForm:
        form = super().get_form(*args, **kwargs)
        field = form.fields["order"]
        field.queryset = (
            Order.objects.filter(read_filter(self.request.user, Order))
            .exclude(state=Order.State.CANCELLED)
            .select_related("customer")
            .order_by("-created_at", "-pk")
        )
        field.required = False
        field.label_from_instance = lambda o: f"{o.reference} · {o.customer.name}"
        field.help_text = _("If the drawings or products are for an order.")
        return form


class SupplyPrintView(WorkflowPrintView):
    """``document``: "handover" (the drawings) or "inspection" (the products)."""

    document = "handover"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_record(pk)
        kind = (
            SuppliedItem.Kind.DRAWING if self.document == "handover" else SuppliedItem.Kind.PRODUCT
        )
        items = list(
            record.items.filter(kind=kind).select_related(
                "registered_by", "acknowledged_by", "inspected_by", "superseded_by"
            )
        )
        return render(
            request,
            f"orders/customersupply_print_{self.document}.html",
            {"record": record, "opts": record._meta, "items": items},
        )
