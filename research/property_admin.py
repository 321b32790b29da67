"""The property surveys in the admin: developments and surveys as every
process (``register_process``), and the districts with their researchers."""

from __future__ import annotations

from django.contrib import admin

from workflows.admin import UserPickerMixin, register_process

from .models_property import Development, District, PropertySurvey

register_process(Development, PropertySurvey)


@admin.register(District)
class DistrictAdmin(UserPickerMixin, admin.ModelAdmin):
    """Which researcher surveys each district's developments: the assignment
    of a new development proposes them, and the monthly tracking surveys go to them."""

    list_display = ("name", "researcher")
    search_fields = ("name",)
    list_select_related = ("researcher",)
