from django.contrib import admin

from workflows.admin import register_process

from .models import ComparableProject, Proposal, ProposalReport

register_process(Proposal)


class ComparableInline(admin.TabularInline):
    model = ComparableProject
    extra = 0

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProposalReport)
class ProposalReportAdmin(admin.ModelAdmin):
    list_display = ["proposal", "kind", "revision", "submitted_at", "approved_at"]
    list_filter = ["kind"]
    readonly_fields = ["revision", "version", "created_at", "submitted_at", "approved_at"]
    inlines = [ComparableInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Reports are written on the proposal's page, where revisions are kept.
        return False
