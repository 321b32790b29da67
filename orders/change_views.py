"""Pages of contract changes (合同更改单) beyond the engine's: drafting a change
of an order, its lines prefilled from the order."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from workflows.models import SignOff
from workflows.rights import readable
from workflows.roles import role_label
from workflows.views import WorkflowCreateView, WorkflowPrintView

from .change_forms import ChangeProposal
from .change_services import change_draft
from .models import ContractChange, Order
from .models.changes import CHANGEABLE_STATES


def _order_for(request: HttpRequest) -> Order | None:
    """The order named by ``?order=`` (or the posted ``order``) that the user may read."""
    raw = request.POST.get("order") or request.GET.get("order") or ""
    if not raw.isdigit():
        return None
    return readable(request.user, Order).filter(pk=int(raw)).select_related("customer").first()


class ChangeCreateView(WorkflowCreateView):
    """A contract change (合同更改单): who asked, why, the proposed payment
    terms and lines of a confirmed order."""

    template_name = "orders/contractchange_form.html"

    def render_change(
        self, order: Order | None, proposal: ChangeProposal | None, status: int = 200
    ) -> HttpResponse:
        orders: list[Order] = []
        if order is None:
            orders = list(
                readable(self.request.user, Order)
                .filter(state__in=CHANGEABLE_STATES)
                .select_related("customer")
                .order_by("-created_at")[:100]
            )
        return render(
            self.request,
            self.template_name,
            {
                "order": order,
                "proposal": proposal,
                "orders": orders,
                "opts": ContractChange._meta,
                "model": ContractChange,
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        self.check()
        order = _order_for(request)
        return self.render_change(order, ChangeProposal(order) if order else None)

    def post(self, request: HttpRequest) -> HttpResponse:
        self.check()
        order = _order_for(request)
        if order is None:
            messages.error(request, _("Choose an order."))
            return self.render_change(None, None, status=400)
        proposal = ChangeProposal(order, request.POST)
        if proposal.is_valid():
            try:
                record: Any = change_draft(
                    order=order,
                    user=request.user,
                    terms=proposal.terms,
                    lines=proposal.lines,
                    batches=proposal.batches,
                )
            except IntegrityError:
                proposal.form.add_error(
                    None,
                    _(
                        "Another change of this order is open: it is decided or withdrawn "
                        "before a new one is drafted."
                    ),
                )
            else:
                messages.success(request, _("%(ref)s created.") % {"ref": record.reference})
                return redirect(record)
        messages.error(request, _("Please correct the errors below."))
        return self.render_change(order, proposal, status=400)


class ChangePrintView(WorkflowPrintView):
    """The contract change (合同更改单) as printed: the proposal, its difference
    and the re-review's decisions."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_record(pk)
        sign_offs = [
            SimpleNamespace(
                role_label=role_label(s.role),
                get_decision_display=s.get_decision_display,
                user=s.user,
                signed_at=s.signed_at,
                comment=s.comment,
            )
            for s in SignOff.objects.filter(
                content_type=ContentType.objects.get_for_model(ContractChange),
                object_id=record.pk,
                state=ContractChange.State.RE_REVIEW,
            ).select_related("user")
        ]
        return render(
            request,
            "orders/contractchange_print.html",
            {
                "record": record,
                "opts": record._meta,
                "sign_offs": sign_offs,
                **record.page_context(request.user),
            },
        )
