"""Printouts of customer-supplied drawings and products: the handover record
of the drawings (客户来图移交记录) and the inspection-and-storage notice of the
products (原材料、外购件、外协件检验入库通知单)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from workflows.views import WorkflowPrintView

from .models import SuppliedItem


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
