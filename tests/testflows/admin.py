from django.contrib import admin

from workflows.admin import WorkflowAdminMixin

from .models import Job, Review


@admin.register(Job)
class JobAdmin(WorkflowAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "title", "requester", "state", "step_due_at"]
    list_filter = ["state"]
    search_fields = ["reference", "title"]


@admin.register(Review)
class ReviewAdmin(WorkflowAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "title", "deadline", "state", "step_due_at"]
    list_filter = ["state"]
    search_fields = ["reference", "title"]
