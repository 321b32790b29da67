from django.contrib import admin

from workflows.admin import WorkflowAdminMixin

from .models import ComparableProject, Proposal, ProposalReport


@admin.register(Proposal)
class ProposalAdmin(WorkflowAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "project_name", "developer_name", "pitch_deadline", "state"]
    list_filter = ["state"]
    search_fields = ["reference", "project_name", "developer_name"]


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
