"""Form helpers shared by every process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import NotificationSettings, SignOff


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
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
            if name in self.not_in_past:
                field.validators.append(date_not_in_past)


# More digits than any step number or version will have; int() of thousands of them is refused.
_MAX_SEQ_DIGITS = 18


def posted_seq(data: Mapping[str, Any], name: str = "_seq") -> int:
    """The step number (or draft version) the page showed, from its hidden field.

    Every form of a step, a sign-off or a draft sends it. A POST without one in
    plain digits did not come from the page as shown, so it is refused as stale
    (``StaleRecord`` with the engine's stale-page message) before anything is read.
    """
    from .services import STALE_MESSAGE, StaleRecord

    value = data.get(name)
    if not (
        isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and len(value) <= _MAX_SEQ_DIGITS
    ):
        raise StaleRecord(STALE_MESSAGE)
    return int(value)


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
        from .uploads import UploadValidator

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
