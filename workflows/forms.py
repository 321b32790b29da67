"""The forms of every process: a step's form (declared as model fields and
built here, or written as a class), the creation form, and the engine's own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .declarations import FormFields, Step, step_of
from .models import NotificationPreference, NotificationSettings, SignOff, WorkflowModel
from .roles import role_members, user_label
from .uploads import UploadValidator

# Rows of a text area the model does not give a widget of its own (``form_widgets``).
TEXTAREA_ROWS = 3


class UserChoiceField(forms.ModelChoiceField):
    """A user picker: each person by full name, the username as a hint."""

    def label_from_instance(self, obj: Any) -> str:
        return user_label(obj)


def label_users(form: forms.BaseForm) -> None:
    """Every user picker of ``form`` labels people as ``user_label`` does."""
    user_model = get_user_model()
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and field.queryset.model is user_model:
            field.label_from_instance = user_label


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class StepModelForm(forms.ModelForm):
    """A ModelForm that edits the record: ``required`` lists the fields the form
    must get even where the model allows them blank (they fill in later steps),
    ``not_in_past`` the dates that may not be before today, ``limit_choices_to``
    the rows a relation offers. The owner picker offers the members of the
    model's ``owner_role``."""

    required: tuple[str, ...] = ()
    not_in_past: tuple[str, ...] = ()
    limit_choices_to: Mapping[str, Mapping[str, Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.required:
            self.fields[name].required = True
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
        apply_model_limits(self)
        for name in self.not_in_past:
            field = self.fields[name]
            field.validators.append(date_not_in_past)
            if isinstance(field.widget, DateInput):
                field.widget.attrs["min"] = timezone.localdate().isoformat()

        for name, limit in self.limit_choices_to.items():
            self.fields[name].queryset = self.fields[name].queryset.filter(**limit)
        model = self._meta.model
        owner = getattr(model, "owner_field", None)
        if owner in self.fields and getattr(model, "owner_role", None):
            self.fields[owner].queryset = role_members(model.owner_role)
        label_users(self)


def value_limits(validators: list[Any]) -> tuple[Any, Any]:
    """The (lowest, highest) value the validators let through; None where unbounded."""
    lows, highs = [], []
    for validator in validators:
        if isinstance(validator, MinValueValidator | MaxValueValidator):
            limit = validator.limit_value
            limit = limit() if callable(limit) else limit
            (lows if isinstance(validator, MinValueValidator) else highs).append(limit)
    return (max(lows) if lows else None, min(highs) if highs else None)


def date_limits(validators: list[Any]) -> dict[str, str]:
    """The ``min`` and ``max`` attributes of a date input, from its validators."""
    low, high = value_limits(validators)
    return {
        attr: limit.isoformat()
        for attr, limit in (("min", low), ("max", high))
        if isinstance(limit, dt.date)
    }


def apply_model_limits(form: forms.ModelForm) -> None:
    """The bounds declared on the model's fields, on the form's: the browser's
    inputs offer only what the server accepts, and a number out of bounds gets
    the model's limit in its message (not the 0 of a positive integer field)."""
    for name, field in form.fields.items():
        try:
            model_field = form._meta.model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, forms.DateField):
            field.widget.attrs.update(date_limits(model_field.validators))
        elif isinstance(field, forms.IntegerField):  # also DecimalField and FloatField
            low, high = value_limits(model_field.validators)
            if low is None and high is None:
                continue
            field.validators = [
                v
                for v in field.validators
                if not isinstance(v, MinValueValidator | MaxValueValidator)
            ]
            for limit, validator, attr in (
                (low, MinValueValidator, "min"),
                (high, MaxValueValidator, "max"),
            ):
                if limit is not None:
                    field.validators.append(validator(limit))
                    field.widget.attrs[attr] = str(limit)


def _engine_formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """A model field as the engine's forms show it: dates with the browser's
    date picker, text areas a few rows high, unless the model names a widget."""
    formfield = db_field.formfield(**kwargs)
    if formfield is None or "widget" in kwargs:
        return formfield
    if isinstance(formfield, forms.DateField):
        formfield.widget = DateInput()
    elif isinstance(formfield.widget, forms.Textarea):
        formfield.widget.attrs["rows"] = TEXTAREA_ROWS
    return formfield


@cache
def model_form_class(
    model: type[WorkflowModel],
    spec: FormFields,
    base: type[forms.ModelForm] = StepModelForm,
    name: str = "",
) -> type[StepModelForm]:
    """The ModelForm of ``spec``'s fields of ``model``, made once per declaration.

    ``base`` may add what the fields' shape cannot check (a clean method);
    widgets come from the model's ``form_widgets``.
    """
    if not issubclass(base, StepModelForm):
        raise ImproperlyConfigured(f"{base.__name__} must subclass workflows.forms.StepModelForm")
    form_class = forms.modelform_factory(
        model,
        form=base,
        fields=list(spec.fields),
        widgets={n: w for n, w in model.form_widgets.items() if n in spec.fields},
        labels=dict(spec.labels),
        formfield_callback=_engine_formfield,
    )
    form_class.__name__ = form_class.__qualname__ = f"{model.__name__}{name}Form"
    form_class.required = spec.required
    form_class.not_in_past = spec.not_in_past
    form_class.limit_choices_to = spec.limit_choices_to
    return form_class


def _resolve(form: type[forms.BaseForm] | str) -> type[forms.BaseForm]:
    return import_string(form) if isinstance(form, str) else form


def form_class_of(step: Step) -> type[forms.BaseForm] | None:
    """The step's form: built from its ``fields`` (on its ``form`` if it names
    one), else its ``form`` class; None when it asks only for a comment."""
    if step.fields is None:
        return _resolve(step.form) if step.form is not None else None
    if step.model is None:
        raise ImproperlyConfigured(
            f"step {step.label!s} is not bound to its model yet (workflows not ready)"
        )
    base = _resolve(step.form) if step.form is not None else StepModelForm
    camel = "".join(part.capitalize() for part in step.name.split("_"))
    return model_form_class(step.model, step.fields, base, camel)


def step_field_names(model: type[WorkflowModel]) -> list[str]:
    """The model fields the steps of ``model`` set through their forms (its
    declared ``fields`` and the fields of a step's ModelForm), in declaration order."""
    names: dict[str, None] = {}
    model_fields = {f.name for f in model._meta.get_fields()}
    for transition in model.workflow_transitions():
        form_class = form_class_of(step_of(transition))
        if form_class is None or not issubclass(form_class, forms.ModelForm):
            continue
        if form_class._meta.model is not model:
            continue  # it edits another record (a new round)
        names.update(dict.fromkeys(n for n in form_class.base_fields if n in model_fields))
    return list(names)


def create_form_class(model: type[WorkflowModel]) -> type[forms.ModelForm] | None:
    """The form that opens a record of ``model`` (its ``create_form``), or None."""
    spec = model.create_form
    if spec is None:
        return None
    if isinstance(spec, FormFields):
        return model_form_class(model, spec, StepModelForm, "Create")
    return _resolve(spec)


def date_not_in_past(value: dt.date | None) -> None:
    if value and value < timezone.localdate():
        raise forms.ValidationError(_("This date is in the past."), code="past_date")


class SignOffForm(forms.Form):
    role = forms.ChoiceField(label=_("Department"))
    decision = forms.ChoiceField(label=_("Decision"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        roles: list[tuple[str, Any]],
        decisions: list[tuple[str, Any]],
        comment_required: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if comment_required:
            self.fields["comment"].required = True
            self.fields["comment"].label = _("Opinion")
            self.fields["comment"].widget.attrs["rows"] = 4
        self.fields["role"].choices = roles
        self.fields["decision"].choices = decisions
        if len(roles) == 1:
            self.fields["role"].widget = forms.HiddenInput()
            self.fields["role"].initial = roles[0][0]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        decision = data.get("decision")
        if not data.get("comment", "").strip():
            if decision == SignOff.Decision.REFUSE:
                self.add_error("comment", _("Please give the reason for refusing."))
            elif decision == SignOff.Decision.CONDITIONAL:
                self.add_error("comment", _("Please state your conditions."))
        return data


def owner_fixed_to(form: forms.BaseForm, field_name: str, user: Any) -> None:
    """The owner picker of a creation form offers only ``user`` (a salesperson
    opens records in their own name); a POST naming anyone else gets the
    field's error and saves nothing."""
    field = form.fields.get(field_name)
    if not isinstance(field, forms.ModelChoiceField):
        return
    field.queryset = field.queryset.filter(pk=user.pk)
    field.empty_label = None
    field.error_messages["invalid_choice"] = _("You may open a record only in your own name.")


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), max_length=255)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].validators.append(UploadValidator())


class NotificationSettingsForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=_("Write my notifications and emails in"), required=False, choices=()
    )

    class Meta:
        model = NotificationSettings
        fields = ["email", "language"]
        widgets = {"email": forms.RadioSelect}
        labels = {"email": _("Email me")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site = dict(settings.LANGUAGES).get(settings.LANGUAGE_CODE, settings.LANGUAGE_CODE)
        self.fields["language"].choices = [
            ("", _("The site's language (%(language)s)") % {"language": site}),
            *settings.LANGUAGES,
        ]


class NotificationPreferencesForm(forms.Form):
    """How much the user hears of each process they take part in: one
    choice a process (``NotificationPreference``), the default where they
    never chose."""

    def __init__(
        self,
        *args: Any,
        processes: list[type[WorkflowModel]],
        chosen: dict[int, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.processes: dict[str, ContentType] = {}
        levels = NotificationPreference.Level
        for model in processes:
            ct = ContentType.objects.get_for_model(model)
            name = f"process_{ct.pk}"
            self.processes[name] = ct
            self.fields[name] = forms.ChoiceField(
                label=model.process_name(),
                choices=levels.choices,
                initial=chosen.get(ct.pk, NotificationPreference.DEFAULT),
                widget=forms.RadioSelect,
                required=False,  # left out of a POST: the choice stays
            )

    def save(self, user: Any) -> None:
        """Keep a row for each choice other than the default, none for it."""
        for name, ct in self.processes.items():
            level = self.cleaned_data.get(name)
            if not level:
                continue
            if level == NotificationPreference.DEFAULT:
                NotificationPreference.objects.filter(user=user, content_type=ct).delete()
            else:
                NotificationPreference.objects.update_or_create(
                    user=user, content_type=ct, defaults={"level": level}
                )


def transition_form(
    step: Step,
    record: WorkflowModel | None,
    data: Any = None,
    files: Any = None,
    prefix: str | None = None,
    attach: bool = True,
) -> forms.BaseForm:
    """The step's own form (a ModelForm edits ``record``) plus the engine's
    comment and attachment fields; the attachment field only for a step that
    takes one and a user who may attach (``attach``:
    ``workflows.rights.may_attach``)."""
    form_class = form_class_of(step) or forms.Form
    kwargs: dict[str, Any] = {"data": data, "files": files, "prefix": prefix}
    if issubclass(form_class, forms.ModelForm):
        kwargs["instance"] = record
    form = form_class(**kwargs)
    label_users(form)
    if step.comment != "hidden":
        form.fields["comment"] = forms.CharField(
            label=_("Comment"),
            required=step.comment == "required",
            max_length=4000,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
    if step.attachments and attach:
        form.fields["attachment"] = forms.FileField(
            label=_("Attachment"),
            required=False,
            validators=[UploadValidator()],
            max_length=255,
        )
    return form
