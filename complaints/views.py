"""The complaints' pages beyond the engine's: the complaint handling report
(客户投诉处理报告), printed with the 8D's actions, rounds and earlier
complaints."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from workflows.views import WorkflowPrintView


class ComplaintPrintView(WorkflowPrintView):
    """The complaint handling report, laid out as an 8D report."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_record(pk)
        return render(
            request,
            self.get_template_names(),
            {"record": record, "opts": record._meta, **record.page_context(request.user)},
        )
