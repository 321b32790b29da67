"""The samples' forms beyond their model fields (those are declared on the
steps and built by the engine)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateInput, date_not_in_past


class ReorderForm(forms.Form):
    """The next round's due date and what changes in it: the new round is
    another record, so this is not a form of the rejected one's fields."""

    due_date = forms.DateField(
        label=_("due date of the new round"), widget=DateInput(), validators=[date_not_in_past]
    )
    changes = forms.CharField(
        label=_("what changes in the new round"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
