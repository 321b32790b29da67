"""Forms of the satisfaction survey: the questionnaire's preparation, and the
survey form a customer fills in (or sales enters from a call or paper)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Customer
from workflows.forms import DateInput, StepModelForm

from .survey import (
    COMMENT_MAX,
    SCORE_RANGE,
    CampaignQuestion,
    QuestionKind,
    SurveyCampaign,
    SurveyInvitation,
    SurveyQuestion,
)

MAX_CUSTOMERS = 5000  # customers one campaign asks


class ChoicesField(forms.ModelMultipleChoiceField):
    """Several rows; one given alone (not in a list) counts as a list of one."""

    def clean(self, value: Any) -> Any:
        if value not in (None, "") and not isinstance(value, (list, tuple)):
            value = [value]
        return super().clean(value)


class PrepareForm(StepModelForm):
    """The questions (from the admin's definitions) and the customers to ask.
    The questions are copied with their wording when the step is taken."""

    questions = ChoicesField(
        label=_("Questions"),
        queryset=SurveyQuestion.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    customers = ChoicesField(
        label=_("Customers to ask"),
        queryset=Customer.objects.filter(active=True),
        required=False,
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )

    not_in_past = ("close_date",)

    class Meta:
        model = SurveyCampaign
        fields = ["close_date"]
        widgets = {"close_date": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaign = self.instance
        if campaign.pk:
            asked = set(campaign.questions.values_list("code", flat=True))
            self.initial["questions"] = [
                q.pk for q in self.fields["questions"].queryset if not asked or q.code in asked
            ]
            self.initial["customers"] = list(
                campaign.invitations.values_list("customer_id", flat=True)
            )
        self.fields["customers"].widget.attrs["size"] = 10

    def clean_customers(self) -> Any:
        customers = self.cleaned_data["customers"]
        if len(customers) > MAX_CUSTOMERS:
            raise forms.ValidationError(
                _("At most %(n)s customers a survey.") % {"n": MAX_CUSTOMERS}
            )
        return customers


def score_field(question: CampaignQuestion) -> forms.Field:
    low, high = SCORE_RANGE[question.kind]
    return forms.TypedChoiceField(
        label=question.text,
        choices=[(str(n), str(n)) for n in range(low, high + 1)],
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "score"}),
        error_messages={
            "invalid_choice": _("Choose a score from %(low)s to %(high)s.")
            % {"low": low, "high": high},
            "required": _("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high},
        },
    )


class AnswerForm(forms.Form):
    """The survey form (客户满意度调查表): a score per scored question and a
    free comment; every score required, each within its range."""

    def __init__(self, *args: Any, questions: list[CampaignQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        has_comment = False
        for q in questions:
            if q.scored:
                self.fields[f"q_{q.pk}"] = score_field(q)
            elif q.kind == QuestionKind.COMMENT:
                has_comment = True
                self.fields["comment"] = forms.CharField(
                    label=q.text,
                    required=False,
                    max_length=COMMENT_MAX,
                    widget=forms.Textarea(
                        attrs={"rows": 4, "maxlength": COMMENT_MAX, "class": "form-control"}
                    ),
                )
        if not has_comment:
            self.fields["comment"] = forms.CharField(
                label=_("Comments"),
                required=False,
                max_length=COMMENT_MAX,
                widget=forms.Textarea(
                    attrs={"rows": 4, "maxlength": COMMENT_MAX, "class": "form-control"}
                ),
            )

    def score_rows(self) -> list[tuple[CampaignQuestion, forms.BoundField]]:
        return [(q, self[f"q_{q.pk}"]) for q in self.questions if q.scored]

    def scores(self) -> dict[int, int]:
        """The scores by question id."""
        return {q.pk: self.cleaned_data[f"q_{q.pk}"] for q in self.questions if q.scored}


class EnteredAnswerForm(AnswerForm):
    """An answer sales took by phone or on paper: how, and on which day."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"] = forms.ChoiceField(
            label=_("Answer taken"),
            choices=[
                (SurveyInvitation.Channel.PHONE, SurveyInvitation.Channel.PHONE.label),
                (SurveyInvitation.Channel.PAPER, SurveyInvitation.Channel.PAPER.label),
            ],
            widget=forms.RadioSelect,
        )
        self.fields["answered_on"] = forms.DateField(
            label=_("Answered on"), widget=DateInput(), initial=timezone.localdate
        )

    def clean_answered_on(self) -> Any:
        day = self.cleaned_data["answered_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The day of the answer cannot be in the future."))
        return day
