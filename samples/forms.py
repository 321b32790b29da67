"""The samples' forms beyond their model fields (those are declared on the
steps and built by the engine)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateInput, date_limits, date_not_in_past
from workflows.validators import FUTURE_DATE


class ReorderForm(forms.Form):
    """The next round's due date and what changes in it: the new round is
    another record, so this is not a form of the rejected one's fields."""

    due_date = forms.DateField(
        label=_("due date of the new round"),
        widget=DateInput(),
        validators=[date_not_in_past, *FUTURE_DATE],
    )
    changes = forms.CharField(
        label=_("what changes in the new round"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        attrs = self.fields["due_date"].widget.attrs
        attrs.update(date_limits(FUTURE_DATE))
        attrs["min"] = timezone.localdate().isoformat()
