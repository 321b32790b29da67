"""What the test processes' fields cannot say: the redo's new due date (not a
field of the rejected job) and the review's opinions due before its deadline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateInput, StepModelForm, date_not_in_past


class RedoForm(forms.Form):
    due_date = forms.DateField(
        label=_("due date of the new job"), widget=DateInput(), validators=[date_not_in_past]
    )


class ConsultForm(StepModelForm):
    """The consultation's step (its fields are declared on the step): the
    opinions are due before the review's deadline."""

    def clean_opinions_due(self) -> Any:
        value = self.cleaned_data.get("opinions_due")
        if value and self.instance.deadline and value > self.instance.deadline:
            raise forms.ValidationError(
                _("The opinions must be due before the review's deadline (%(date)s).")
                % {"date": self.instance.deadline.isoformat()},
                code="after_deadline",
            )
        return value
