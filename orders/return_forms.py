"""Forms of customer returns (客户退货): the return's head and its lines, the
replacement batch and the credit note."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateInput, StepModelForm, date_limits, date_not_in_past
from workflows.rights import read_filter
from workflows.validators import FUTURE_DATE, PAST_DATE

from .models import CENT, MAX_QUANTITY, CustomerReturn, Invoice, ShippingLine, ShippingNotice
from .models.returns import CreditNote


class ReturnForm(StepModelForm):
    """The head of a return; its lines are ``ReturnLineFormSet``. The complaint
    it belongs to, if any, is one of the batch's customer's complaints the
    user reads."""

    class Meta:
        model = CustomerReturn
        fields = ["received_on", "reason", "complaint"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(
        self,
        *args: Any,
        notice: ShippingNotice | None = None,
        user: AbstractBaseUser | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["complaint"]
        complaints = field.queryset.none()
        if notice is not None and user is not None:
            complaints = (
                field.queryset.filter(read_filter(user, field.queryset.model))
                .filter(customer_id=notice.customer_id)
                .order_by("-created_at")
            )
        field.queryset = complaints
        field.required = False
        field.label_from_instance = lambda c: f"{c.reference} · {c.product_name}"
        field.help_text = _("If the customer complained of what is returned.")


class ReturnLineForm(forms.Form):
    """A line of the shipped batch and the quantity of it returned (checked on
    the server against what shipped less earlier returns, under the batch's lock)."""

    line = forms.TypedChoiceField(label=_("shipping line"), coerce=int, empty_value=None)
    quantity = forms.DecimalField(
        label=_("quantity returned"),
        max_digits=11,
        decimal_places=2,
        required=False,
        validators=[MinValueValidator(CENT), MaxValueValidator(MAX_QUANTITY)],
    )

    def __init__(self, *args: Any, lines: list[ShippingLine] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [(line.pk, str(line.pk)) for line in lines]
        self.fields["quantity"].widget.attrs.update(
            {"min": "0.01", "step": "0.01", "class": "form-control form-control-sm"}
        )


class BaseReturnLineFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, lines: list[ShippingLine] = (), **kwargs: Any) -> None:
        self.lines = list(lines)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"lines": self.lines}

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[int] = set()
        for form in self.forms:
            line = form.cleaned_data.get("line")
            if line is None or form.cleaned_data.get("quantity") is None:
                continue
            if line in seen:
                raise forms.ValidationError(_("Each line of the batch appears once."))
            seen.add(line)

    def quantities(self) -> dict[int, Decimal]:
        return {
            f.cleaned_data["line"]: f.cleaned_data["quantity"]
            for f in self.forms
            if f.cleaned_data.get("line") is not None and f.cleaned_data.get("quantity")
        }


ReturnLineFormSet = forms.formset_factory(
    ReturnLineForm, formset=BaseReturnLineFormSet, extra=0, max_num=200, validate_max=True
)


class ReplacementForm(forms.ModelForm):
    """The replacement batch: its planned shipping date (a new shipping
    notice for the returned quantities)."""

    ship_date = forms.DateField(
        label=_("planned shipping date"),
        widget=DateInput(),
        validators=[date_not_in_past, *FUTURE_DATE],
    )

    class Meta:
        model = CustomerReturn
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attrs = self.fields["ship_date"].widget.attrs
        attrs.update(date_limits(FUTURE_DATE))
        attrs["min"] = timezone.localdate().isoformat()


class CreditNoteForm(forms.ModelForm):
    """The credit note: which open invoice of the order it credits, its
    number and date. Its amount is the return's value, computed on the
    server; the invoice must still owe at least that much."""

    invoice = forms.ModelChoiceField(label=_("invoice credited"), queryset=Invoice.objects.none())
    number = forms.CharField(
        label=_("credit note number"), max_length=CreditNote._meta.get_field("number").max_length
    )
    issued_on = forms.DateField(
        label=_("issued on"), widget=DateInput(), validators=list(PAST_DATE)
    )

    class Meta:
        model = CustomerReturn
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issued_on"].widget.attrs.update(date_limits(PAST_DATE))
        record = self.instance
        if record.pk:
            open_invoices = Invoice.objects.filter(
                order_id=record.order_id, state=Invoice.State.ISSUED
            ).order_by("invoice_date", "pk")
            self.fields["invoice"].queryset = open_invoices
            self.fields["invoice"].label_from_instance = lambda i: (
                f"{i.invoice_no} · {i.currency} {i.balance:,.2f}"
            )
            self.fields["invoice"].help_text = _("Credit: %(a)s") % {"a": f"{record.amount:,.2f}"}
            if record.notice_id:
                batch = next((i for i in open_invoices if i.notice_id == record.notice_id), None)
                if batch is not None:
                    self.initial.setdefault("invoice", batch.pk)

    def clean_invoice(self) -> Invoice:
        invoice = self.cleaned_data["invoice"]
        if invoice.balance < self.instance.amount:
            raise forms.ValidationError(
                _(
                    "This invoice's open balance is %(b)s, less than the return's %(a)s: "
                    "choose another invoice, or a replacement."
                ),
                params={"b": f"{invoice.balance:,.2f}", "a": f"{self.instance.amount:,.2f}"},
            )
        return invoice

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        if CreditNote.objects.filter(number=number).exists():
            raise forms.ValidationError(_("A credit note with this number exists already."))
        return number
