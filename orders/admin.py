from django.contrib import admin

from .models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "contact", "phone", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name", "contact"]
