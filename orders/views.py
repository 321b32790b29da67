"""The orders app's pages beyond the engine's: the order contract form with
its lines and batches (create and edit), the order's printouts, and the
customers' pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from workflows.forms import owner_fixed_to
from workflows.models import WorkflowModel
from workflows.registry import process_models
from workflows.rights import can_view_process, may_create_for_others, read_record, readable
from workflows.selectors import sign_off_conditions, timeline
from workflows.services import StaleRecord, StepNotAvailable, posted_seq
from workflows.views import WorkflowCreateView, WorkflowPrintView

from .forms import (
    ContactFormSet,
    CustomerForm,
    InvoiceForm,
    NoticeLineFormSet,
    OrderEntry,
    ShippingNoticeForm,
)
from .models import INVOICING_OPEN, Customer, Invoice, Order, ShippingNotice
from .receivables import ageing, bucket_labels, receivables_scope
from .services import (
    SHIPPABLE_STATES,
    customer_save,
    invoice_amount,
    invoice_create,
    notice_create,
    order_create,
    order_update,
)

# --- The order contract form -------------------------------------------------------------


class OrderCreateView(WorkflowCreateView):
    """The order contract form (订购合同单) with its lines and batches."""

    template_name = "orders/order_form.html"

    def render_entry(self, entry: OrderEntry, status: int = 200, **extra: Any) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {"entry": entry, "form": entry.form, "opts": Order._meta, "model": Order, **extra},
            status=status,
        )

    def make_entry(self, *args: Any, **kwargs: Any) -> OrderEntry:
        """The form; its salesperson picker holds only the user unless they may
        open orders for others (``on_behalf_roles``)."""
        entry = OrderEntry(*args, **kwargs)
        if not may_create_for_others(self.request.user, Order):
            owner_fixed_to(entry.form, Order.owner_field, self.request.user)
        return entry

    def get(self, request: HttpRequest) -> HttpResponse:
        self.check()
        return self.render_entry(self.make_entry(initial={"salesperson": request.user.pk}))

    def post(self, request: HttpRequest) -> HttpResponse:
        self.check()
        entry = self.make_entry(request.POST)
        if not entry.is_valid():
            messages.error(request, _("Please correct the errors below."))
            return self.render_entry(entry, status=400)
        order = order_create(entry=entry, user=request.user)
        messages.success(request, _("%(ref)s created.") % {"ref": order.reference})
        return redirect(order)


class OrderEditView(View):
    template_name = "orders/order_form.html"

    def get_order(self, pk: int) -> Order:
        order = read_record(self.request.user, Order, pk, related=("customer",))
        if not order.may_edit(self.request.user):
            raise PermissionDenied(_("You may not change this order now."))
        return order

    def render_entry(self, order: Order, entry: OrderEntry, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "entry": entry,
                "form": entry.form,
                "record": order,
                "opts": Order._meta,
                "model": Order,
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = self.get_order(pk)
        return self.render_entry(order, OrderEntry(instance=order))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = self.get_order(pk)
        try:
            seen = posted_seq(request.POST)
        except StaleRecord as exc:
            messages.error(request, exc.message)
            return redirect(order)
        shown = Order.objects.get(pk=pk)
        entry = OrderEntry(request.POST, instance=shown)
        if not entry.is_valid():
            messages.error(request, _("Please correct the errors below."))
            return self.render_entry(order, entry, status=400)
        try:
            order_update(order=shown, entry=entry, user=request.user, seen_seq=seen)
        except (StaleRecord, StepNotAvailable) as exc:
            messages.error(request, exc.message)
            return redirect(order)
        messages.success(request, _("%(ref)s saved.") % {"ref": order.reference})
        return redirect(order)


class OrderPrintView(WorkflowPrintView):
    """The order's printouts: the order contract form, the internal order and
    the production work order (``document``)."""

    document = "contract"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_record(pk)
        entries = timeline(record, [])
        conditions = sign_off_conditions(entries)
        review = [e for e in entries if e["kind"] == "signoff"]
        last = max((e["step_seq"] for e in review), default=None)
        context = {
            "conditions": conditions,
            "signoffs": [e for e in review if e["step_seq"] == last and e["decision"] != "refuse"],
            "record": record,
            "opts": record._meta,
            "lines": list(record.lines.all()),
            "batches": list(record.batches.select_related("line")),
            "document": self.document,
        }
        return render(request, f"orders/order_print_{self.document}.html", context)


# --- Customers ---------------------------------------------------------------------------


def _require(user: Any, action: str) -> None:
    if not user.has_perm(f"orders.{action}_customer"):
        raise PermissionDenied(_("Your role may not do this with customers."))


class CustomerListView(View):
    paginate_by = 25

    def get(self, request: HttpRequest) -> HttpResponse:
        _require(request.user, "view")
        qs = Customer.objects.all()
        term = request.GET.get("q", "").strip()[:100]
        if term:
            qs = qs.filter(
                Q(code__icontains=term) | Q(name__icontains=term) | Q(contact__icontains=term)
            )
        if request.GET.get("active") != "all":
            qs = qs.filter(active=True)
        page = Paginator(qs.order_by("name", "pk"), self.paginate_by).get_page(
            request.GET.get("page")
        )
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "orders/customer_list.html",
            {
                "page_obj": page,
                "customers": page.object_list,
                "q": term,
                "show_all": request.GET.get("active") == "all",
                "query": query.urlencode(),
                "can_add": request.user.has_perm("orders.add_customer"),
            },
        )


def _customer_records(customer: Customer, user: Any) -> list[dict[str, Any]]:
    """The records of every process that names the customer, that the user may read."""
    sections = []
    for model in process_models():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if getattr(f, "related_model", None) is Customer
        ]
        if not fields or not can_view_process(user, model):
            continue
        records: list[WorkflowModel] = list(
            readable(user, model)
            .filter(**{fields[0]: customer})
            .order_by("-created_at", "-pk")[:50]
        )
        sections.append(
            {
                "model": model,
                "key": model._meta.model_name,
                "label": model.process_name(),
                "records": records,
            }
        )
    return sections


class CustomerDetailView(View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require(request.user, "view")
        customer = get_object_or_404(Customer, pk=pk)
        try:
            scope = receivables_scope(request.user).filter(customer=customer)
        except PermissionDenied:
            scope = None
        return render(
            request,
            "orders/customer_detail.html",
            {
                "customer": customer,
                "contacts": list(customer.contacts.all()),
                "sections": _customer_records(customer, request.user),
                "can_change": request.user.has_perm("orders.change_customer"),
                "ageing": ageing(scope, timezone.localdate()) if scope is not None else None,
                "labels": bucket_labels(),
            },
        )


class CustomerFormView(View):
    """Create (no ``pk``) or change a customer with its contacts."""

    def get_customer(self, pk: int | None) -> Customer | None:
        _require(self.request.user, "change" if pk else "add")
        return get_object_or_404(Customer, pk=pk) if pk else None

    def render_form(
        self, customer: Customer | None, form: CustomerForm, contacts: Any, status: int = 200
    ) -> HttpResponse:
        return render(
            self.request,
            "orders/customer_form.html",
            {"customer": customer, "form": form, "contacts": contacts},
            status=status,
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        customer = self.get_customer(pk)
        return self.render_form(
            customer,
            CustomerForm(instance=customer),
            ContactFormSet(instance=customer or Customer(), prefix="contacts"),
        )

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        customer = self.get_customer(pk)
        form = CustomerForm(request.POST, instance=customer)
        contacts = ContactFormSet(request.POST, instance=customer or Customer(), prefix="contacts")
        if not (form.is_valid() & contacts.is_valid()):
            messages.error(request, _("Please correct the errors below."))
            return self.render_form(customer, form, contacts, status=400)
        saved = customer_save(form=form, contacts=contacts, user=request.user)
        messages.success(request, _("%(name)s saved.") % {"name": saved.name})
        return redirect("orders:customer_detail", pk=saved.pk)


# --- Shipping notices and invoices: opened from their order ------------------------------


def _order_for(request: HttpRequest, states: frozenset[str]) -> Order | None:
    """The order named by ``?order=`` (or the posted ``order``) that the user
    may read and that is in one of ``states``; None when there is none."""
    raw = request.POST.get("order") or request.GET.get("order") or ""
    if not raw.isdigit():
        return None
    return (
        readable(request.user, Order)
        .filter(pk=int(raw), state__in=states)
        .select_related("customer")
        .first()
    )


class NoticeCreateView(WorkflowCreateView):
    """A shipping notice (出货通知单) for a batch of an order: the head and a
    row per line of the order with the quantity of this batch."""

    template_name = "orders/shippingnotice_form.html"

    def render_notice(self, order: Order | None, form: Any, rows: Any, status: int = 200):
        left: dict[int, Any] = {}
        by_pk = {line.pk: line for line in rows.order_lines}
        if order is not None:
            noticed = order.shipped_quantities(noticed=True)
            left = {line.pk: line.quantity - noticed.get(line.pk, 0) for line in rows.order_lines}
        return render(
            self.request,
            self.template_name,
            {
                "order": order,
                "form": form,
                "rows": rows,
                "row_lines": [(f, *self.line_of(f, by_pk, left)) for f in rows.forms],
                "orders": [] if order is not None else self.shippable(),
                "opts": ShippingNotice._meta,
                "model": ShippingNotice,
            },
            status=status,
        )

    @staticmethod
    def line_of(form: Any, by_pk: dict[int, Any], left: dict[int, Any]) -> tuple[Any, Any]:
        """The order line a row is for (as posted or offered), and what is left of it."""
        value = str(form["line"].value() or "")
        line = by_pk.get(int(value)) if value.isdigit() else None
        return line, left.get(line.pk) if line else None

    def shippable(self) -> list[Order]:
        return list(
            readable(self.request.user, Order)
            .filter(state__in=SHIPPABLE_STATES)
            .select_related("customer")
            .order_by("-created_at")[:100]
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        self.check()
        order = _order_for(request, SHIPPABLE_STATES)
        lines = list(order.lines.all()) if order else []
        rows = NoticeLineFormSet(
            prefix="lines", order_lines=lines, initial=[{"line": line.pk} for line in lines]
        )
        initial = {"delivery_address": order.delivery_address} if order else {}
        return self.render_notice(order, ShippingNoticeForm(initial=initial), rows)

    def post(self, request: HttpRequest) -> HttpResponse:
        self.check()
        order = _order_for(request, SHIPPABLE_STATES)
        if order is None:
            messages.error(request, _("Choose an order that is ready to ship."))
            rows = NoticeLineFormSet(prefix="lines")
            return self.render_notice(None, ShippingNoticeForm(), rows, status=400)
        lines = list(order.lines.all())
        form = ShippingNoticeForm(request.POST)
        rows = NoticeLineFormSet(request.POST, prefix="lines", order_lines=lines)
        if form.is_valid() & rows.is_valid():
            quantities = rows.quantities()
            try:
                notice = notice_create(
                    order=order,
                    notice=form.save(commit=False),
                    quantities=quantities,
                    user=request.user,
                )
            except StepNotAvailable as exc:
                messages.error(request, exc.message)
                return redirect(order)
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
                messages.success(request, _("%(ref)s created.") % {"ref": notice.reference})
                return redirect(notice)
        messages.error(request, _("Please correct the errors below."))
        return self.render_notice(order, form, rows, status=400)


INVOICEABLE_STATES = INVOICING_OPEN


class InvoiceCreateView(WorkflowCreateView):
    """An invoice of an order, for a shipped batch or the rest of the order;
    its amount and due date are computed on the server."""

    template_name = "orders/invoice_form.html"

    def render_invoice(self, order: Order | None, form: Any, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "order": order,
                "form": form,
                "left": invoice_amount(order, None) if order else None,
                "orders": []
                if order is not None
                else list(
                    readable(self.request.user, Order)
                    .filter(state__in=INVOICEABLE_STATES)
                    .select_related("customer")
                    .order_by("-created_at")[:100]
                ),
                "opts": Invoice._meta,
                "model": Invoice,
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        self.check()
        order = _order_for(request, INVOICEABLE_STATES)
        form = (
            InvoiceForm(order=order, initial={"notice": request.GET.get("notice")})
            if order
            else None
        )
        return self.render_invoice(order, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        self.check()
        order = _order_for(request, INVOICEABLE_STATES)
        if order is None:
            messages.error(request, _("Choose an order that has shipped."))
            return self.render_invoice(None, None, status=400)
        form = InvoiceForm(request.POST, order=order)
        if form.is_valid():
            try:
                invoice = invoice_create(
                    order=order, invoice=form.save(commit=False), user=request.user
                )
            except StepNotAvailable as exc:
                messages.error(request, exc.message)
                return redirect(order)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("%(ref)s created.") % {"ref": invoice.reference})
                return redirect(invoice)
        messages.error(request, _("Please correct the errors below."))
        return self.render_invoice(order, form, status=400)


class DeliveryNotePrintView(WorkflowPrintView):
    """The delivery note (送货单) of a shipped batch."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_record(pk)
        return render(
            request,
            "orders/shippingnotice_print_delivery_note.html",
            {
                "record": record,
                "opts": record._meta,
                "notice_lines": list(record.lines.select_related("order_line")),
            },
        )


class NoticePrintView(WorkflowPrintView):
    """The shipping notice (出货通知单)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_record(pk)
        return render(
            request,
            "orders/shippingnotice_print.html",
            {
                "record": record,
                "opts": record._meta,
                "notice_lines": list(record.lines.select_related("order_line")),
            },
        )


# --- Receivables (应收账款) -----------------------------------------------------------------


class ReceivablesView(View):
    """Open invoices in ageing buckets per customer and per salesperson."""

    def get(self, request: HttpRequest) -> HttpResponse:
        scope = receivables_scope(request.user)
        today = timezone.localdate()
        return render(
            request,
            "orders/receivables.html",
            {
                "ageing": ageing(scope, today),
                "labels": bucket_labels(),
                "today": today,
                "overdue": list(
                    scope.filter(due_date__lt=today)
                    .select_related("customer", "salesperson", "order")
                    .order_by("due_date", "pk")[:50]
                ),
            },
        )
