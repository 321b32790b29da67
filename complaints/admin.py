from django.contrib import admin

from workflows.admin import register_process

from .models import Complaint, ComplaintAction, DefectCategory, SeverityClock

register_process(Complaint, ComplaintAction)


@admin.register(DefectCategory)
class DefectCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]


@admin.register(SeverityClock)
class SeverityClockAdmin(admin.ModelAdmin):
    list_display = ["severity", "working_days"]
