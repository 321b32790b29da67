from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from workflows.admin import WorkflowAdmin, register_process

from .models import (
    ContractChange,
    Customer,
    CustomerContact,
    CustomerReturn,
    CustomerSupply,
    Invoice,
    MajorOrderThreshold,
    Order,
    Quotation,
    QuotationLine,
    QuotationRevision,
    ShippingNotice,
    sees_costs,
)

register_process(Order, ShippingNotice, Invoice)
register_process(CustomerReturn, CustomerSupply, ContractChange)


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
