from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateInput, StepModelForm, date_limits, date_not_in_past
from workflows.rights import role_members
from workflows.validators import FUTURE_DATE

from .models import Board, SampleOrder


class SampleOrderForm(StepModelForm):
    """The salesperson records a customer's sample request."""

    not_in_past = ("due_date",)

    class Meta:
        model = SampleOrder
        fields = [
            "customer",
            "salesperson",
            "product_name",
            "product_code",
            "quantity",
            "requirements",
            "materials",
            "due_date",
        ]
        labels = {"due_date": _("requested due date")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = role_members("sales")
        self.fields["customer"].queryset = self.fields["customer"].queryset.filter(active=True)
        self.fields["requirements"].widget.attrs["rows"] = 3
        self.fields["materials"].widget.attrs["rows"] = 2


class WorkOrderForm(StepModelForm):
    required = ("due_date", "production_plan")
    not_in_past = ("due_date",)

    class Meta:
        model = SampleOrder
        fields = ["quantity", "due_date", "production_plan"]
        widgets = {"production_plan": forms.Textarea(attrs={"rows": 3})}


class OutsourceForm(StepModelForm):
    required = ("outsource_vendor", "outsource_process", "outsource_return_date")
    not_in_past = ("outsource_return_date",)

    class Meta:
        model = SampleOrder
        fields = ["outsource_vendor", "outsource_process", "outsource_return_date"]


class DeliveryNoteForm(StepModelForm):
    required = ("delivery_note_no",)

    class Meta:
        model = SampleOrder
        fields = ["delivery_note_no"]


class CourierForm(StepModelForm):
    required = ("courier", "tracking_no")

    class Meta:
        model = SampleOrder
        fields = ["courier", "tracking_no"]


class FeedbackForm(StepModelForm):
    class Meta:
        model = SampleOrder
        fields = ["customer_feedback"]
        widgets = {"customer_feedback": forms.Textarea(attrs={"rows": 3})}


class RejectionForm(FeedbackForm):
    required = ("customer_feedback",)


class ReorderForm(forms.Form):
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


class BoardForm(StepModelForm):
    not_in_past = ("due_date",)

    class Meta:
        model = Board
        fields = [
            "kind",
            "customer",
            "customer_order_no",
            "salesperson",
            "product_name",
            "requirements",
            "due_date",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = role_members("sales")
        self.fields["requirements"].widget.attrs["rows"] = 3


class BoardSignatureForm(StepModelForm):
    required = ("customer_signatory", "signed_on")

    class Meta:
        model = Board
        fields = ["customer_signatory", "signed_on"]


class BoardRejectionForm(StepModelForm):
    required = ("rejection_reason",)

    class Meta:
        model = Board
        fields = ["rejection_reason"]
        widgets = {"rejection_reason": forms.Textarea(attrs={"rows": 3})}


class BoardRemakeForm(StepModelForm):
    required = ("due_date",)
    not_in_past = ("due_date",)

    class Meta:
        model = Board
        fields = ["due_date"]
