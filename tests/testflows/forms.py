from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateInput, StepModelForm, date_not_in_past
from workflows.rights import role_members

from .models import Job, Review


class JobForm(StepModelForm):
    not_in_past = ("due_date",)

    class Meta:
        model = Job
        fields = ["requester", "title", "details", "due_date"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requester"].queryset = role_members("sales")


class PlanForm(StepModelForm):
    required = ("due_date", "plan")
    not_in_past = ("due_date",)

    class Meta:
        model = Job
        fields = ["due_date", "plan"]


class OutsourceForm(StepModelForm):
    required = ("return_date",)
    not_in_past = ("return_date",)

    class Meta:
        model = Job
        fields = ["return_date"]


class FeedbackForm(StepModelForm):
    class Meta:
        model = Job
        fields = ["feedback"]


class RejectionForm(FeedbackForm):
    required = ("feedback",)


class RedoForm(forms.Form):
    due_date = forms.DateField(
        label=_("due date of the new job"), widget=DateInput(), validators=[date_not_in_past]
    )


class ReviewForm(StepModelForm):
    not_in_past = ("deadline",)

    class Meta:
        model = Review
        fields = ["title", "deadline"]


class SummaryForm(StepModelForm):
    required = ("summary",)

    class Meta:
        model = Review
        fields = ["summary"]
