from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from workflows.views import WorkflowCreateView, WorkflowDetailView, WorkflowListView

from .filters import BoardFilter, SampleOrderFilter
from .models import Board, SampleOrder


class SampleOrderListView(WorkflowListView):
    model = SampleOrder
    template_name = "samples/sampleorder_list.html"
    filterset_class = SampleOrderFilter
    search_fields = ("reference", "product_name", "product_code", "customer__name", "tracking_no")
    select_related = ("customer", "salesperson")


class SampleOrderDetailView(WorkflowDetailView):
    model = SampleOrder
    template_name = "samples/sampleorder_detail.html"
    select_related = ("customer", "salesperson", "order_clerk", "inspected_by", "previous_round")

    def extra_context(self, record: SampleOrder) -> dict[str, Any]:
        return {"rounds": record.rounds()}


class SampleOrderCreateView(WorkflowCreateView):
    model = SampleOrder


def sampleorder_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable sample work order (样品生产工单)."""
    view = SampleOrderDetailView()
    view.request = request
    record = view.get_record(pk)
    return render(request, "samples/sampleorder_print.html", {"record": record})


class BoardListView(WorkflowListView):
    model = Board
    template_name = "samples/board_list.html"
    filterset_class = BoardFilter
    search_fields = ("reference", "product_name", "customer_order_no", "customer__name")
    select_related = ("customer", "salesperson")


class BoardDetailView(WorkflowDetailView):
    model = Board
    template_name = "samples/board_detail.html"
    select_related = ("customer", "salesperson")


class BoardCreateView(WorkflowCreateView):
    model = Board
