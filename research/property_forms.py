"""The property surveys' step forms, for what the fields' shape cannot say:
the district's researcher proposed, the planned visit, and the survey form's
photos (images only, checked by content like every upload)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateInput, StepModelForm, UserChoiceField, date_not_in_past
from workflows.roles import role_members
from workflows.uploads import IMAGE_TYPES, ImageUploadValidator

from .models_property import Development, PropertySurvey

PHOTOS = 3  # photos a survey form takes at once
PHOTO_FIELDS = tuple(f"photo_{n}" for n in range(1, PHOTOS + 1))
IMAGE_ACCEPT = ",".join(sorted(IMAGE_TYPES))


class AssignResearcherForm(forms.ModelForm):
    """The researcher of the development's district is proposed; the
    supervisor may choose another researcher, and plans the visit (today at
    the earliest): the survey form is due by the end of that day.

    A ModelForm on the development (the step sets its researcher), so that
    the proposal reads the development as locked by the step."""

    researcher = UserChoiceField(
        label=Development._meta.get_field("researcher").verbose_name,
        queryset=role_members("researcher"),
        error_messages={"invalid_choice": _("Choose one of the researchers.")},
    )
    visit_planned = forms.DateField(
        label=PropertySurvey._meta.get_field("visit_planned").verbose_name,
        widget=DateInput(),
        validators=[*PropertySurvey._meta.get_field("visit_planned").validators, date_not_in_past],
        help_text=_("The researcher files the survey form on the day of the visit."),
    )

    class Meta:
        model = Development
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["researcher"]
        field.queryset = role_members("researcher")
        today = timezone.localdate()
        self.fields["visit_planned"].initial = today
        self.fields["visit_planned"].widget.attrs["min"] = today.isoformat()
        development = self.instance
        if development.pk and development.district_id:
            district = development.district
            field.initial = development.researcher_id or district.researcher_id
            field.help_text = _("Proposed: the researcher of %(district)s.") % {
                "district": district.name
            }


class SurveyForm(StepModelForm):
    """The survey form (市调分析表) of the visit, with up to three photos."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n, name in enumerate(PHOTO_FIELDS, start=1):
            self.fields[name] = forms.FileField(
                label=_("Photo %(n)s") % {"n": n},
                required=False,
                max_length=255,
                validators=[ImageUploadValidator()],
                widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
            )
        if "visit_date" in self.fields:
            self.fields["visit_date"].widget.attrs["max"] = timezone.localdate().isoformat()
            if not self.instance.visit_date:
                self.fields["visit_date"].initial = timezone.localdate()

    def clean_visit_date(self) -> Any:
        visit = self.cleaned_data.get("visit_date")
        if visit and visit > timezone.localdate():
            raise forms.ValidationError(
                _("The visit cannot be in the future: file the form on the day of the visit."),
                code="future_date",
            )
        return visit
