"""Pages of customer returns (客户退货) beyond the engine's: registering a
return on a shipped batch, and the printed inspection result."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from workflows.rights import readable
from workflows.services import StepNotAvailable
from workflows.views import WorkflowCreateView, WorkflowPrintView

from .models import CustomerReturn, ShippingLine, ShippingNotice, returned_quantities
from .return_forms import ReturnForm, ReturnLineFormSet
from .return_services import return_register


def _notice_for(request: HttpRequest) -> ShippingNotice | None:
    """The batch named by ``?notice=`` (or the posted ``notice``) that the user may read."""
    raw = request.POST.get("notice") or request.GET.get("notice") or ""
    if not raw.isdigit():
        return None
    return (
        readable(request.user, ShippingNotice)
        .filter(pk=int(raw))
        .select_related("customer", "order")
        .first()
    )


class ReturnCreateView(WorkflowCreateView):
    """A customer return (客户退货) on a shipped batch: the head and a row per
    line of the batch with the quantity returned."""

    template_name = "orders/customerreturn_form.html"

    def render_return(
        self, notice: ShippingNotice | None, form: Any, rows: Any, status: int = 200
    ) -> HttpResponse:
        by_pk = {line.pk: line for line in rows.lines}
        returned = returned_quantities(notice) if notice is not None else {}
        row_lines = []
        for f in rows.forms:
            value = str(f["line"].value() or "")
            line = by_pk.get(int(value)) if value.isdigit() else None
            left = line.quantity - returned.get(line.pk, 0) if line else None
            row_lines.append((f, line, left))
        return render(
            self.request,
            self.template_name,
            {
                "notice": notice,
                "form": form,
                "rows": rows,
                "row_lines": row_lines,
                "notices": [] if notice is not None else self.shipped(),
                "opts": CustomerReturn._meta,
                "model": CustomerReturn,
            },
            status=status,
        )

    def shipped(self) -> list[ShippingNotice]:
        return list(
            readable(self.request.user, ShippingNotice)
            .filter(state__in=ShippingNotice.SHIPPED_STATES)
            .select_related("customer", "order")
            .order_by("-created_at")[:100]
        )

    @staticmethod
    def lines_of(notice: ShippingNotice | None) -> list[ShippingLine]:
        if notice is None:
            return []
        return list(notice.lines.select_related("order_line"))

    def get(self, request: HttpRequest) -> HttpResponse:
        self.check()
        notice = _notice_for(request)
        if notice is not None and notice.state not in ShippingNotice.SHIPPED_STATES:
            messages.error(request, _("Only a shipped batch can be returned."))
            notice = None
        lines = self.lines_of(notice)
        rows = ReturnLineFormSet(
            prefix="lines", lines=lines, initial=[{"line": line.pk} for line in lines]
        )
        return self.render_return(notice, ReturnForm(notice=notice, user=request.user), rows)

    def post(self, request: HttpRequest) -> HttpResponse:
        self.check()
        notice = _notice_for(request)
        if notice is None:
            messages.error(request, _("Choose a shipped batch."))
            rows = ReturnLineFormSet(prefix="lines")
            return self.render_return(None, ReturnForm(), rows, status=400)
        lines = self.lines_of(notice)
        form = ReturnForm(request.POST, notice=notice, user=request.user)
        rows = ReturnLineFormSet(request.POST, prefix="lines", lines=lines)
        if notice.state not in ShippingNotice.SHIPPED_STATES:
            form.add_error(
                None,
                _("Only a shipped batch can be returned (this one is “%(state)s”).")
                % {"state": notice.get_state_display()},
            )
        if form.is_valid() & rows.is_valid():
            try:
                record = return_register(
                    notice=notice,
                    record=form.save(commit=False),
                    quantities=rows.quantities(),
                    user=request.user,
                )
            except StepNotAvailable as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                by_line = {f.cleaned_data.get("line"): f for f in rows.forms}
                for key, errors in exc.message_dict.items():
                    target = by_line.get(int(key)) if str(key).isdigit() else None
                    for error in errors:
                        if target is not None:
                            target.add_error("quantity", error)
                        else:
                            rows._non_form_errors = rows.error_class(
                                [*rows.non_form_errors(), error]
                            )
            else:
                messages.success(request, _("%(ref)s created.") % {"ref": record.reference})
                return redirect(record)
        messages.error(request, _("Please correct the errors below."))
        return self.render_return(notice, form, rows, status=400)


class ReturnPrintView(WorkflowPrintView):
    """The return's inspection result (客户退货检验结果)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_record(pk)
        return render(
            request,
            "orders/customerreturn_print.html",
            {
                "record": record,
                "opts": record._meta,
                "return_lines": list(record.lines.select_related("shipping_line__order_line")),
            },
        )
