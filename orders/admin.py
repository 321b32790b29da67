from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from workflows.admin import WorkflowAdmin, register_process

from .models import (
    ChangeLine,
    ContractChange,
    CreditNote,
    Customer,
    CustomerContact,
    CustomerReturn,
    CustomerSupply,
    Invoice,
    MajorOrderThreshold,
    Order,
    OrderRevision,
    Quotation,
    QuotationLine,
    QuotationRevision,
    ReturnLine,
    ShippingNotice,
    SuppliedItem,
    sees_costs,
)

register_process(ShippingNotice, Invoice)


class ContactInline(admin.TabularInline):
    model = CustomerContact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "contact", "phone", "credit_limit", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name", "contact", "tax_number"]
    inlines = [ContactInline]


@admin.register(MajorOrderThreshold)
class MajorOrderThresholdAdmin(admin.ModelAdmin):
    list_display = ["currency", "amount"]


class QuotationLineInline(admin.TabularInline):
    """The quotation's lines, read-only (they change on the quotation's pages);
    purchase prices and lead times only for those who see costs."""

    model = QuotationLine
    extra = 0
    can_delete = False
    SALES = ("position", "product", "spec", "unit", "quantity", "unit_price", "amount")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        costs = QuotationLine.COST_FIELDS if sees_costs(request.user) else ()
        return [*self.SALES, *costs]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever may open the quotation in the admin (its read check) sees its rows.
        return True


class RevisionInline(admin.TabularInline):
    model = QuotationRevision
    extra = 0
    can_delete = False
    fields = readonly_fields = ("number", "note", "created_by", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever may open the quotation in the admin (its read check) sees its rows.
        return True


class QuotationAdmin(WorkflowAdmin):
    inlines = [QuotationLineInline, RevisionInline]


register_process(Quotation, admin_class=QuotationAdmin)


class ProcessRowsInline(admin.TabularInline):
    """Rows a process's steps write (a return's lines and credit note, a
    supply's items, a change's proposed lines, an order's revisions): shown
    read-only on the record's admin page, to whoever may open the record
    there (its read check); only the process's pages change them."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.get_fields(request, obj))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


class ReturnLineInline(ProcessRowsInline):
    model = ReturnLine
    fields = ("shipping_line", "quantity", "amount")


class CreditNoteInline(ProcessRowsInline):
    model = CreditNote
    fields = ("number", "invoice", "issued_on", "amount", "issued_by", "recorded_at")


class CustomerReturnAdmin(WorkflowAdmin):
    inlines = [ReturnLineInline, CreditNoteInline]


class SuppliedItemInline(ProcessRowsInline):
    model = SuppliedItem
    fk_name = "supply"
    fields = (
        "kind",
        "number",
        "title",
        "version",
        "quantity",
        "confidentiality",
        "registered_by",
        "registered_at",
        "superseded_by",
        "acknowledged_by",
        "acknowledged_at",
        "inspected_by",
        "inspected_at",
        "inspection_result",
        "storage_location",
    )


class CustomerSupplyAdmin(WorkflowAdmin):
    inlines = [SuppliedItemInline]


class ChangeLineInline(ProcessRowsInline):
    model = ChangeLine
    fields = ("position", "product", "spec", "unit", "quantity", "unit_price", "tax_rate", "amount")


class ContractChangeAdmin(WorkflowAdmin):
    inlines = [ChangeLineInline]


class OrderRevisionInline(ProcessRowsInline):
    model = OrderRevision
    fields = ("number", "note", "created_by", "created_at")


class OrderAdmin(WorkflowAdmin):
    inlines = [OrderRevisionInline]


register_process(Order, admin_class=OrderAdmin)
register_process(CustomerReturn, admin_class=CustomerReturnAdmin)
register_process(CustomerSupply, admin_class=CustomerSupplyAdmin)
register_process(ContractChange, admin_class=ContractChangeAdmin)
