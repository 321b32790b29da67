"""Form helpers shared by every process."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .declarations import Step, form_class_of
from .models import NotificationSettings, SignOff, WorkflowModel
from .uploads import UploadValidator


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class StepModelForm(forms.ModelForm):
    """A ModelForm for one step: ``required`` lists the fields the step must get
    even where the model allows them blank (they fill in later steps)."""

    required: tuple[str, ...] = ()
    not_in_past: tuple[str, ...] = ()

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
        if data.get("decision") == SignOff.Decision.REFUSE and not data.get("comment", "").strip():
            self.add_error("comment", _("Please give the reason for refusing."))
        return data


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


def transition_form(
    step: Step,
    record: WorkflowModel | None,
    data: Any = None,
    files: Any = None,
    prefix: str | None = None,
) -> forms.BaseForm:
    """The step's own form plus the engine's comment and attachment fields."""
    form_class = form_class_of(step) or forms.Form
    kwargs: dict[str, Any] = {"data": data, "files": files, "prefix": prefix}
    if issubclass(form_class, forms.ModelForm):
        kwargs["instance"] = record
    form = form_class(**kwargs)
    if step.comment != "hidden":
        form.fields["comment"] = forms.CharField(
            label=_("Comment"),
            required=step.comment == "required",
            max_length=4000,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
    if step.attachments:
        form.fields["attachment"] = forms.FileField(
            label=_("Attachment"),
            required=False,
            validators=[UploadValidator()],
            max_length=255,
        )
    return form
