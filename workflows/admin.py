"""Admin integration: managers take steps from a record's change page through
the same service, rights and audit as the record page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm_log.models import StateLog

from .forms import UserChoiceField, step_field_names, transition_form
from .models import (
    Attachment,
    CalendarDay,
    CompanyProfile,
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
from .pagination import LargeTablePaginator
from .rights import available_actions, read_filter
from .roles import role_members, user_label
from .selectors import has_history
from .services import (
    FormInvalid,
    StaleRecord,
    StepNotAvailable,
    admin_change_save,
    admin_record_delete,
    posted_seq,
    record_dependents,
    transition_perform,
)

# The engine's fields of every record: shown, never edited in the admin.
ENGINE_READONLY = (
    "reference",
    "state",
    "created_by",
    "created_at",
    "updated_at",
    "step_seq",
    "step_started_at",
    "step_due_at",
)


def workflow_readonly_fields(model: type[WorkflowModel]) -> list[str]:
    """What the admin shows of a record but does not let anyone change: the
    engine's fields (state, step number and dates), the fields its steps set
    (``step_field_names``: changed only by taking the step, which audits it)
    and the fields the steps' code sets (those the model makes not editable)."""
    names = dict.fromkeys(ENGINE_READONLY)
    names.update(dict.fromkeys(step_field_names(model)))
    names.update(
        dict.fromkeys(
            f.name for f in model._meta.concrete_fields if not f.editable and not f.primary_key
        )
    )
    return list(names)


def _same_text(old: Any, new: Any) -> bool:
    """A text the browser sent back with its line ends as \\r\\n is no change."""
    if not isinstance(old, str) or not isinstance(new, str):
        return False
    return old.replace("\r\n", "\n") == new.replace("\r\n", "\n")


class UserPickerMixin:
    """The admin's user pickers label people as the app's do (``user_label``)."""

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.related_model is get_user_model():
            kwargs.setdefault("form_class", UserChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class UserListFilter(admin.RelatedFieldListFilter):
    """The admin's filter on a record's owner, people labelled as in the app:
    the members of the model's ``owner_role`` (also those who left), else
    every user."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list:
        role = getattr(model_admin.model, "owner_role", None)
        users = (
            role_members(role, active_only=False)
            if role
            else field.related_model._default_manager.order_by("username")
        )
        return [(user.pk, user_label(user)) for user in users]


class WorkflowAdminMixin(UserPickerMixin):
    """Mix into a ModelAdmin of a process model: the workflow fields are read-only,
    other changes are saved with their history (``AdminHistory``), steps are
    taken through the service, and a record with a history is deleted only by a
    superuser, after a confirmation naming everything that goes with it."""

    change_form_template = "admin/workflows/change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        readonly = workflow_readonly_fields(self.model)  # type: ignore[attr-defined]
        return fields + [f for f in readonly if f not in fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Records start on the record pages, where the creation is audited.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)  # type: ignore[misc]
        if not allowed or obj is None or request.user.is_superuser:
            return allowed
        return not has_history(obj)

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool):
        if not change:
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            return
        concrete = {f.name for f in obj._meta.concrete_fields}
        changed = [
            name
            for name in form.changed_data
            if name in concrete and not _same_text(form.initial.get(name), getattr(obj, name))
        ]
        if changed:
            admin_change_save(obj, request.user, changed)

    def changeform_view(
        self, request: HttpRequest, object_id=None, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except StaleRecord as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        if request.user.is_superuser:
            admin_record_delete(obj, request.user)
        else:  # a record without a history (has_delete_permission)
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        """Django's list of what goes, with what the engine keeps about each
        record outside it (audit entries, reminders, escalations, notifications)."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(  # type: ignore[misc]
            objs, request
        )
        for obj in objs:
            for model, count in record_dependents(obj).items():
                label = _("audit entries") if model is StateLog else model._meta.verbose_name_plural
                model_count[label] = model_count.get(label, 0) + count
                deleted.append(
                    _("%(what)s of %(record)s: %(count)d")
                    % {"what": capfirst(label), "record": obj, "count": count}
                )
        return deleted, model_count, perms_needed, protected

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
    ``list_related``. A subclass may set any of them itself.

    The changelist never counts the whole table: one count for the filtered rows,
    bounded, then an estimate (``workflows.pagination``), and no second count of
    every row."""

    show_full_result_count = False
    paginator = LargeTablePaginator

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
        "list_filter": [
            "state",
            *(n for n in model.list_filters if n in field_names),
            (model.owner_field, UserListFilter),
        ],
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
    list_display = ["recipient", "line", "created_at", "read_at", "emailed_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter), "email_pending"]
    search_fields = ["key", "message", "recipient__username"]

    @admin.display(description=gettext_lazy("message"))
    def line(self, note: Notification) -> str:
        return note.line


@admin.register(DefaultGrant)
class DefaultGrantAdmin(ReadOnlyAdmin):
    list_display = ["group", "permission"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["record", "step_seq", "kind", "repeat", "sent_at"]
    list_filter = ["kind", "content_type"]


@admin.register(EscalationRule)
class EscalationRuleAdmin(UserPickerMixin, admin.ModelAdmin):
    list_display = ["role", "manager", "after"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["record", "role", "manager", "due_at", "escalated_at", "resolved_at"]
    list_filter = ["role", "content_type", ("resolved_at", admin.EmptyFieldListFilter)]


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(UserPickerMixin, admin.ModelAdmin):
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


@admin.register(CompanyProfile)
class CompanyProfileAdmin(admin.ModelAdmin):
    """The one row of the company's details the printouts carry."""

    list_display = ["name_zh", "name_en", "address"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not CompanyProfile.objects.exists()


# The names staff know the admin by, in their language.
admin.site.site_header = gettext_lazy("Marketing department administration")
admin.site.site_title = gettext_lazy("Marketing department administration")
admin.site.index_title = gettext_lazy("Administration")
