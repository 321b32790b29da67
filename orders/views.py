"""The orders app's pages beyond the engine's: the order contract form with
its lines and batches (create and edit), the order's printouts, and the
customers' pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from workflows.forms import owner_fixed_to
from workflows.models import WorkflowModel
from workflows.registry import process_models
from workflows.rights import can_view_process, may_create_for_others, read_record, readable
from workflows.selectors import sign_off_conditions, timeline
from workflows.services import StaleRecord, StepNotAvailable, posted_seq
from workflows.views import WorkflowCreateView, WorkflowPrintView

from .forms import ContactFormSet, CustomerForm, OrderEntry
from .models import Customer, Order
from .services import customer_save, order_create, order_update

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
        return render(
            request,
            "orders/customer_detail.html",
            {
                "customer": customer,
                "contacts": list(customer.contacts.all()),
                "sections": _customer_records(customer, request.user),
                "can_change": request.user.has_perm("orders.change_customer"),
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
