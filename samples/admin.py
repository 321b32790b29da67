from django.contrib import admin

from workflows.admin import WorkflowAdminMixin

from .models import Board, SampleOrder


@admin.register(SampleOrder)
class SampleOrderAdmin(WorkflowAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "product_name", "customer", "round", "state", "step_due_at"]
    list_filter = ["state", "customer"]
    search_fields = ["reference", "product_name", "customer__name"]
    list_select_related = ["customer"]


@admin.register(Board)
class BoardAdmin(WorkflowAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "kind", "product_name", "customer", "state", "step_due_at"]
    list_filter = ["state", "kind"]
    search_fields = ["reference", "product_name", "customer_order_no"]
    list_select_related = ["customer"]
