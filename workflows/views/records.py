"""The pages every process gets from its declarations: the record page with
its actions, the list, the creation form and the printable record.

Each view takes its model from the URL (``workflows.routing.process_urls``),
so a process writes no view. Templates follow ``<app>/<model>_<page>.html``
and fall back to the engine's base of that page when a process has none.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from ..diagram import process_diagram
from ..filters import WorkflowFilterSet, filterset_for, parse_sort, sorted_by
from ..forms import (
    AttachmentForm,
    SignOffForm,
    create_form_class,
    owner_fixed_to,
    transition_form,
)
from ..models import WorkflowModel
from ..pagination import LargeTablePaginator, without_position
from ..rights import (
    available_actions,
    can_create,
    can_view_process,
    may_attach,
    may_create_for_others,
    may_read,
    read_record,
    readable,
    user_roles,
)
from ..roles import role_label
from ..selectors import (
    by_deadline,
    current_sign_offs,
    record_escalations,
    sign_off_conditions,
    timeline,
    waiting_on,
)
from ..services import (
    FormInvalid,
    StaleRecord,
    StepNotAvailable,
    posted_seq,
    record_attach,
    record_create,
    signoff_record,
    transition_take,
)
from .lists import export_response, list_tools


def _seen_seq(request: HttpRequest) -> int:
    return posted_seq(request.POST)


def page_templates(model: type[WorkflowModel], page: str, base: str) -> list[str]:
    """``<app>/<model>_<page>.html``, else the engine's ``base``."""
    opts = model._meta
    return [f"{opts.app_label}/{opts.model_name}_{page}.html", base]


def _with_prefix(values: Any, prefix: str) -> Any:
    """The step's form reads ``<step>-<field>``; a client may also send bare names."""
    prefixed = values.copy()
    for key in values:
        if not key.startswith(f"{prefix}-") and f"{prefix}-{key}" not in values:
            prefixed.setlist(f"{prefix}-{key}", values.getlist(key))
    return prefixed


class RecordView(View):
    """A page of one record, read through ``workflows.rights.readable`` with
    what the model's ``record_related`` names."""

    model: type[WorkflowModel] = None  # type: ignore[assignment]  # as_view(model=...)
    template_name: str | None = None
    page = "detail"
    base_template = "workflows/record_base.html"

    def get_template_names(self) -> list[str]:
        if self.template_name:
            return [self.template_name]
        return page_templates(self.model, self.page, self.base_template)

    def get_record(self, pk: int) -> WorkflowModel:
        related = ("created_by", *self.model.record_related)
        return read_record(self.request.user, self.model, pk, related)


class WorkflowPrintView(RecordView):
    """The record on paper (``<app>/<model>_print.html``, which extends
    ``workflows/print_base.html``)."""

    page = "print"
    base_template = "workflows/print_base.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_record(pk)
        return render(request, self.get_template_names(), {"record": record, "opts": record._meta})


class WorkflowDetailView(RecordView):
    """The record page. POST to its step, sign and attach URLs acts on the record.

    Its template (``<app>/<model>_detail.html``) extends
    ``workflows/record_base.html``; the model's ``page_context(user)`` adds
    what the page shows besides the record.
    """

    def extra_context(self, record: WorkflowModel) -> dict[str, Any]:
        return record.page_context(self.request.user)

    def context(
        self,
        record: WorkflowModel,
        bound: tuple[str, forms.BaseForm] | None = None,
        signoff_form: forms.Form | None = None,
        attachment_form: forms.Form | None = None,
    ) -> dict[str, Any]:
        user = self.request.user
        attach = may_attach(record, user)
        actions = []
        available = available_actions(record, user)
        for action in available:
            if bound and bound[0] == action.name:
                form = bound[1]
            else:
                form = transition_form(action.step, record, prefix=action.name, attach=attach)
            actions.append(
                {"action": action, "form": form, "open": bool(bound and bound[0] == action.name)}
            )
        escalations = list(record_escalations(record))
        entries = timeline(record, escalations)
        spec = record.current_sign_off_step()
        sign_offs = current_sign_offs(record) if spec else []
        signoff = None
        if spec:
            signed_roles = {s.role for s in sign_offs}
            mine = [
                (r, role_label(r))
                for r in spec.roles
                if r not in signed_roles and (r in user_roles(user) or user.is_superuser)
            ]
            decisions = [d for d in spec.decisions if d[0] != "refuse" or spec.on_refuse]
            signoff = {
                "spec": spec,
                "rows": [
                    {
                        "role": r,
                        "label": role_label(r),
                        "sign_off": next((s for s in sign_offs if s.role == r), None),
                    }
                    for r in spec.roles
                ],
                "form": signoff_form
                or (
                    SignOffForm(
                        roles=mine, decisions=decisions, comment_required=spec.comment_required
                    )
                    if mine
                    else None
                ),
            }
        return {
            "record": record,
            "opts": record._meta,
            "actions": actions,
            "signoff": signoff,
            "timeline": entries,
            "conditions": sign_off_conditions(entries),
            "waiting_on": waiting_on(
                record, user, available, signed={s.role for s in sign_offs} if spec else None
            ),
            "diagram": process_diagram(type(record), record.state),
            "escalations": [e for e in escalations if e.is_open_on(record)],
            "takes_part": can_view_process(user, type(record)),
            "may_attach": attach,
            "attachment_form": attachment_form or AttachmentForm(),
            "now": timezone.now(),
            **self.extra_context(record),
        }

    def get(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        if kwargs.get("action"):
            return HttpResponseNotAllowed(["POST"])
        record = self.get_record(pk)
        return render(request, self.get_template_names(), self.context(record))

    def post(self, request: HttpRequest, pk: int, action: str = "", name: str = "") -> HttpResponse:
        record = self.get_record(pk)
        if not can_view_process(request.user, self.model):
            # A manager reads a record escalated to them; its departments act on it.
            raise PermissionDenied(_("You have no role in this process."))
        handler = {"step": self.post_step, "sign": self.post_sign, "attach": self.post_attach}.get(
            action
        )
        if handler is None:
            return HttpResponseNotAllowed(["GET"])
        try:
            return handler(record, name)
        except (StaleRecord, StepNotAvailable) as exc:
            messages.error(request, exc.message)
            return redirect(record)

    def post_step(self, record: WorkflowModel, name: str) -> HttpResponse:
        request = self.request
        try:
            outcome = transition_take(
                record=record,
                name=name,
                user=request.user,
                data=_with_prefix(request.POST, name),
                files=_with_prefix(request.FILES, name),
                seen_seq=_seen_seq(request),
                prefix=name,
            )
        except FormInvalid as exc:
            messages.error(request, exc.message)
            record.refresh_from_db()
            return render(
                request,
                self.get_template_names(),
                self.context(record, bound=(name, exc.form)),
                status=400,
            )
        updated, created = outcome.record, outcome.created
        done = {
            "ref": updated.reference,
            "step": updated.step_of(name).label,
            "state": updated.state_label(updated.state),
        }
        if created is None:
            messages.success(request, _("%(ref)s: “%(step)s” done. Now: %(state)s.") % done)
            return self.redirect_after(updated)
        # The step opened another record (a new round): the work goes on there.
        messages.success(
            request,
            _(
                "%(ref)s: “%(step)s” done. Now: %(state)s. It opened %(new)s, "
                "shown here (%(new_state)s)."
            )
            % {**done, "new": created.reference, "new_state": created.get_state_display()},
        )
        return redirect(created)

    def post_sign(self, record: WorkflowModel, name: str) -> HttpResponse:
        request = self.request
        spec = record.current_sign_off_step()
        if spec is None:
            raise StepNotAvailable(_("This step needs no sign-off."))
        form = SignOffForm(
            request.POST,
            roles=[(r, role_label(r)) for r in spec.roles],
            decisions=list(spec.decisions),
            comment_required=spec.comment_required,
        )
        if not form.is_valid():
            messages.error(request, _("Please correct the errors below."))
            return render(
                request,
                self.get_template_names(),
                self.context(record, signoff_form=form),
                status=400,
            )
        signoff_record(
            record=record,
            user=request.user,
            role=form.cleaned_data["role"],
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            seen_seq=_seen_seq(request),
        )
        messages.success(request, _("Your sign-off was recorded."))
        return self.redirect_after(record)

    def redirect_after(self, record: WorkflowModel) -> HttpResponse:
        """Back to the record after the user's step or sign-off, or to the inbox
        when they read it no more (they read it while it waited on them)."""
        if may_read(self.request.user, record):
            return redirect(record)
        return redirect("workflows:inbox")

    def post_attach(self, record: WorkflowModel, name: str) -> HttpResponse:
        request = self.request
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("The file was not attached."))
            return render(
                request,
                self.get_template_names(),
                self.context(record, attachment_form=form),
                status=400,
            )
        record_attach(
            record=record,
            user=request.user,
            upload=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
        )
        messages.success(request, _("File attached."))
        return redirect(record)


# The list's default order, newest first, matched by the engine's index
# (``WorkflowModel.Meta.indexes``): its pages follow one another by cursor.
LIST_KEYSET = ("created_at", "pk")


class WorkflowListView(View):
    """A process's records with filters, search and pages.

    The model declares what the search box matches (``search_fields``), the
    filters (``workflows.filters.filterset_for``) and what each row fetches
    (``list_related``); the template, ``<app>/<model>_list.html``, extends
    ``workflows/list_base.html``, which shows the ``list_columns``.
    """

    model: type[WorkflowModel] = None  # type: ignore[assignment]  # as_view(model=...)
    template_name: str | None = None
    paginate_by = 25

    def get_template_names(self) -> list[str]:
        if self.template_name:
            return [self.template_name]
        return page_templates(self.model, "list", "workflows/list_base.html")

    def list_queryset(self) -> tuple[WorkflowFilterSet, QuerySet, str, tuple[str, bool] | None]:
        """The records the list shows, searched, filtered and sorted, read
        through ``workflows.rights.readable``: the page and its exports both
        read here. Also the filters, the search term and the sort applied."""
        request = self.request
        qs = readable(request.user, self.model).select_related(*self.model.list_related)
        term = request.GET.get("q", "").strip()[:100]
        if term:
            cond = Q()
            for f in self.model.search_fields:
                cond |= Q(**{f"{f}__icontains": term})
            qs = qs.filter(cond)
        # Always bound, so that an empty query string lists everything.
        filterset = filterset_for(self.model)(request.GET, queryset=qs, request=request)
        qs = filterset.qs if filterset.is_valid() else qs.none()
        sort = parse_sort(self.model, request.GET.get("sort"))
        if sort is not None:
            qs = sorted_by(qs, *sort)
        elif request.GET.get("order") == "due":
            qs = by_deadline(qs)
        else:
            qs = qs.order_by(*(f"-{key}" for key in LIST_KEYSET))
        return filterset, qs, term, sort

    def get(self, request: HttpRequest, fmt: str | None = None) -> HttpResponse:
        filterset, qs, term, sort = self.list_queryset()
        if fmt is not None:
            return export_response(self.model, qs, fmt)
        for field in filterset.form.fields.values():
            if isinstance(field.widget, forms.SelectMultiple):
                # Ticked in a drop-down as high as the other filters, not a tall box.
                widget = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
                widget.choices = field.choices
                field.widget = widget
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        # Next and previous walk the default order (created_at DESC, id DESC, the
        # engine's index) by cursor; a sorted column's pages go by number.
        page = LargeTablePaginator(qs, self.paginate_by, keyset=LIST_KEYSET).get_page_at(
            request.GET.get("page"), request.GET.get("after"), request.GET.get("before")
        )
        query = without_position(request.GET)
        return render(
            request,
            self.get_template_names(),
            {
                "opts": self.model._meta,
                "model": self.model,
                "filter": filterset,
                "page_obj": page,
                "records": page.object_list,
                "q": term,
                "query": query.urlencode(),
                "can_create": can_create(request.user, self.model),
                "diagram": process_diagram(self.model),
                "now": timezone.now(),
                **list_tools(request, self.model, filterset, term, sort),
            },
        )


class WorkflowCreateView(View):
    """The form that opens a record: the model's ``create_form``, with the
    signed-in user as the record's owner to begin with
    (``<app>/<model>_form.html``, else ``workflows/record_form.html``)."""

    model: type[WorkflowModel] = None  # type: ignore[assignment]  # as_view(model=...)
    form_class: type[forms.ModelForm] | None = None
    template_name: str | None = None

    def get_template_names(self) -> list[str]:
        if self.template_name:
            return [self.template_name]
        return page_templates(self.model, "form", "workflows/record_form.html")

    def check(self) -> None:
        if not can_create(self.request.user, self.model):
            raise PermissionDenied(_("Your role may not create this record."))

    def get_form_class(self) -> type[forms.ModelForm]:
        form_class = self.form_class or create_form_class(self.model)
        if form_class is None:
            raise ImproperlyConfigured(f"{self.model.__name__} declares no create_form")
        return form_class

    def get_initial(self) -> dict[str, Any]:
        owner = self.model.owner_field
        if owner in self.get_form_class().base_fields:
            return {owner: self.request.user.pk}
        return {}

    def get_form(self, *args: Any, **kwargs: Any) -> forms.ModelForm:
        """The creation form; for a user who may not open records in someone
        else's name, the owner picker holds only themselves, and a POST naming
        anyone else gets the field's error."""
        form = self.get_form_class()(*args, **kwargs)
        user = self.request.user
        if not may_create_for_others(user, self.model):
            owner_fixed_to(form, self.model.owner_field, user)
        return form

    def render_form(self, form: forms.ModelForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.get_template_names(),
            {"form": form, "opts": self.model._meta, "model": self.model},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        self.check()
        return self.render_form(self.get_form(initial=self.get_initial()))

    def post(self, request: HttpRequest) -> HttpResponse:
        self.check()
        form = self.get_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_form(form, status=400)
        record = record_create(form=form, user=request.user)
        messages.success(request, _("%(ref)s created.") % {"ref": record.reference})
        return redirect(record)
