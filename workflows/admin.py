"""Admin integration: managers take steps from a record's change page through
the same service, rights and audit as the record page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import transition_form
from .models import (
    Attachment,
    CalendarDay,
    DefaultGrant,
    Digest,
    Escalation,
    EscalationRule,
    Notification,
    NotificationSettings,
    Outbox,
    Reminder,
    ScheduleRun,
    SignOff,
    WorkflowModel,
)
from .rights import available_actions, read_filter
from .services import (
    FormInvalid,
    StaleRecord,
    StepNotAvailable,
    posted_seq,
    transition_perform,
)


class WorkflowAdminMixin:
    """Mix into a ModelAdmin of a process model."""

    change_form_template = "admin/workflows/change_form.html"
    workflow_readonly = (
        "reference",
        "state",
        "created_by",
        "created_at",
        "step_seq",
        "step_started_at",
        "step_due_at",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return fields + [f for f in self.workflow_readonly if f not in fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Records start on the record pages, where the creation is audited.
        return False

    def get_queryset(self, request: HttpRequest) -> Any:
        """Only the records the user reads (``workflows.rights.read_filter``,
        the process's ``read_scope``), as on the record pages. The change,
        history, delete and step pages fetch their record from here, so a
        record outside the scope is not found there either."""
        records = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return records
        return records.filter(read_filter(request.user, self.model))  # type: ignore[attr-defined]

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta  # type: ignore[attr-defined]
        return [
            path(
                "<int:pk>/step/<str:name>/",
                self.admin_site.admin_view(self.step_view),  # type: ignore[attr-defined]
                name=f"{opts.app_label}_{opts.model_name}_step",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)  # type: ignore[attr-defined]
        if obj is not None:
            extra_context["workflow_actions"] = available_actions(obj, request.user)
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def step_view(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        model = self.model  # type: ignore[attr-defined]
        opts = model._meta
        record = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_or_change_permission(request, record):  # type: ignore[attr-defined]
            raise PermissionDenied
        change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
        try:
            step = record.step_of(name)
        except LookupError:
            messages.error(request, _("There is no such step."))
            return HttpResponseRedirect(change_url)
        form = transition_form(step, record)
        status = 200
        if request.method == "POST":
            try:
                transition_perform(
                    record=record,
                    name=name,
                    user=request.user,
                    data=request.POST,
                    files=request.FILES,
                    seen_seq=posted_seq(request.POST),
                )
            except FormInvalid as exc:
                form, status = exc.form, 400
            except (StaleRecord, StepNotAvailable) as exc:
                messages.error(request, exc.message)
                return HttpResponseRedirect(change_url)
            else:
                messages.success(request, _("“%(step)s” done.") % {"step": step.label})
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": opts,
            "original": record,
            "record": record,
            "step": step,
            "form": form,
            "title": f"{record.reference}: {step.label}",
        }
        return render(request, "admin/workflows/step_form.html", context, status=status)


class WorkflowAdmin(WorkflowAdminMixin, admin.ModelAdmin):
    """A process model's admin from its declarations: the reference, the
    ``list_columns``, the state and the step's deadline; filters on the state
    and the declared ``list_filters`` that are fields; the list's search and
    ``list_related``. A subclass may set any of them itself."""

    def __init__(self, model: type[WorkflowModel], admin_site: admin.AdminSite) -> None:
        super().__init__(model, admin_site)
        defaults = process_admin_options(model)
        for name, value in defaults.items():
            if getattr(type(self), name) is getattr(admin.ModelAdmin, name):  # not set
                setattr(self, name, value)


def process_admin_options(model: type[WorkflowModel]) -> dict[str, Any]:
    """What ``WorkflowAdmin`` shows of ``model`` unless told otherwise."""
    field_names = {f.name for f in model._meta.get_fields()}
    return {
        "list_display": ["reference", *model.list_columns, "state", "step_due_at"],
        "list_filter": ["state", *(n for n in model.list_filters if n in field_names)],
        "search_fields": list(model.search_fields),
        "list_select_related": list(model.list_related),
    }


def register_process(
    *models: type[WorkflowModel],
    admin_class: type[WorkflowAdmin] = WorkflowAdmin,
    site: admin.AdminSite | None = None,
) -> None:
    """Register each process model with ``WorkflowAdmin`` (or a subclass of it)."""
    for model in models:
        (site or admin.site).register(model, admin_class)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ["record", "state", "role", "decision", "user", "signed_at"]
    list_filter = ["role", "decision", "content_type"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "record", "mime_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["mime_type", "content_type"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "message", "created_at", "read_at", "emailed_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter), "email_pending"]
    search_fields = ["message", "recipient__username"]


@admin.register(DefaultGrant)
class DefaultGrantAdmin(ReadOnlyAdmin):
    list_display = ["group", "permission"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["record", "step_seq", "kind", "repeat", "sent_at"]
    list_filter = ["kind", "content_type"]


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ["role", "manager", "after"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["record", "role", "manager", "due_at", "escalated_at", "resolved_at"]
    list_filter = ["role", "content_type", ("resolved_at", admin.EmptyFieldListFilter)]


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "email"]
    list_filter = ["email"]


@admin.register(Digest)
class DigestAdmin(ReadOnlyAdmin):
    list_display = ["user", "day", "items", "sent_at"]
    date_hierarchy = "day"


@admin.register(Outbox)
class OutboxAdmin(ReadOnlyAdmin):
    list_display = ["task", "args", "created_at", "done_at", "attempts"]
    list_filter = [("done_at", admin.EmptyFieldListFilter)]


@admin.register(ScheduleRun)
class ScheduleRunAdmin(ReadOnlyAdmin):
    list_display = ["name", "period", "ran_at"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "working"]
    list_filter = ["working"]
    date_hierarchy = "date"
    search_fields = ["name"]


admin.site.site_header = gettext_lazy("Marketing workflows")
admin.site.site_title = gettext_lazy("Marketing workflows")
