from django.contrib import admin

from workflows.admin import register_process

from .models import (
    Customer,
    CustomerContact,
    CustomerReturn,
    CustomerSupply,
    Invoice,
    MajorOrderThreshold,
    Order,
    ShippingNotice,
)

register_process(Order, ShippingNotice, Invoice)
register_process(CustomerReturn, CustomerSupply)


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
