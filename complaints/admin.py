from django.contrib import admin

from workflows.admin import register_process

from .models import (
    CampaignQuestion,
    Complaint,
    ComplaintAction,
    DefectCategory,
    ImprovementAction,
    SeverityClock,
    SurveyCampaign,
    SurveyInvitation,
    SurveyQuestion,
)

register_process(Complaint, ComplaintAction, SurveyCampaign, ImprovementAction)


@admin.register(DefectCategory)
class DefectCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]


@admin.register(SeverityClock)
class SeverityClockAdmin(admin.ModelAdmin):
    list_display = ["severity", "working_days"]


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(admin.ModelAdmin):
    """The satisfaction survey's questions. A campaign keeps the wording it
    asked with; a change here counts from the next campaign on."""

    list_display = ["position", "code", "kind", "text_zh", "text_en", "active"]
    list_display_links = ["code"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "text_zh", "text_en"]


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(admin.ModelAdmin):
    """Whom a campaign asks: the contact, the salesperson and the segment
    may be corrected; answers are never edited here."""

    list_display = ["campaign", "customer", "contact_name", "salesperson", "segment", "answered_at"]
    list_filter = ["campaign", "segment", "channel"]
    list_select_related = ["campaign", "customer", "salesperson"]
    search_fields = ["customer__name", "contact_name", "contact_email"]
    fields = ["campaign", "customer", "contact_name", "contact_email", "salesperson", "segment"]
    readonly_fields = ["campaign", "customer"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(CampaignQuestion)
class CampaignQuestionAdmin(admin.ModelAdmin):
    """The questions as each campaign asked them: read only."""

    list_display = ["campaign", "position", "code", "text_zh", "text_en"]
    list_filter = ["campaign"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
