"""The order contract form (订购合同单) with its lines and delivery batches,
and the customer form with its contacts.

No amount is a field of these forms: the server computes every amount from
the quantities, unit prices and tax rates (``Order.recompute``).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateInput, StepModelForm, apply_model_limits, date_limits
from workflows.validators import FUTURE_DATE, PAST_DATE

from .models import (
    CENT,
    MAX_AMOUNT,
    MAX_QUANTITY,
    ContactLog,
    Customer,
    CustomerContact,
    Invoice,
    Order,
    OrderLine,
    Payment,
    ShippingNotice,
)

# Rows a new order offers before the user adds more.
BLANK_LINES = 1
BLANK_BATCHES = 1
MAX_ROWS = 200


class OrderForm(StepModelForm):
    """The head of the order contract form."""

    class Meta:
        model = Order
        fields = [
            "customer",
            "salesperson",
            "channel",
            "customer_order_no",
            "order_date",
            "currency",
            "deposit_percent",
            "payment_days",
            "major",
            "delivery_address",
            "remarks",
        ]
        widgets = {"remarks": forms.Textarea(attrs={"rows": 3})}

    limit_choices_to = {"customer": {"active": True}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deposit_percent"].help_text = _(
            "Leave both terms empty to take the customer's default terms."
        )


def _as_cells(form: forms.BaseForm) -> None:
    """Inputs that sit in table cells: small, labelled for screen readers."""
    for field in form.fields.values():
        css = (
            "form-check-input"
            if isinstance(field.widget, forms.CheckboxInput)
            else "form-control form-control-sm"
        )
        field.widget.attrs.setdefault("class", css)
        field.widget.attrs.setdefault("aria-label", str(field.label))


class OrderLineForm(forms.ModelForm):
    class Meta:
        model = OrderLine
        fields = ["product", "spec", "unit", "quantity", "unit_price", "tax_rate"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        apply_model_limits(self)
        for name in ("quantity", "unit_price", "tax_rate"):
            self.fields[name].widget.attrs["step"] = "0.01"
        _as_cells(self)


class DeliveryBatchForm(forms.Form):
    line = forms.IntegerField(
        label=_("line"), validators=[MinValueValidator(1), MaxValueValidator(MAX_ROWS)]
    )
    delivery_date = forms.DateField(
        label=_("delivery date"), widget=DateInput(), validators=list(FUTURE_DATE)
    )
    quantity = forms.DecimalField(
        label=_("quantity"),
        max_digits=11,
        decimal_places=2,
        validators=[MinValueValidator(CENT), MaxValueValidator(MAX_QUANTITY)],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delivery_date"].widget.attrs.update(date_limits(FUTURE_DATE))
        self.fields["quantity"].widget.attrs.update({"min": "0.01", "step": "0.01"})
        self.fields["line"].widget.attrs.update({"min": "1"})
        _as_cells(self)


LineFormSet = forms.formset_factory(
    OrderLineForm,
    extra=BLANK_LINES,
    can_delete=True,
    min_num=1,
    validate_min=True,
    max_num=MAX_ROWS,
    validate_max=True,
)
BatchFormSet = forms.formset_factory(
    DeliveryBatchForm, extra=BLANK_BATCHES, can_delete=True, max_num=MAX_ROWS, validate_max=True
)


class OrderEntry:
    """The whole order contract form: the head, the lines and the batches,
    valid only together (a batch names a line by its number on the form, is
    not before the order date, and a line's batches do not exceed it)."""

    def __init__(
        self,
        data: Any = None,
        *,
        instance: Order | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        lines_initial = batches_initial = None
        if instance is not None and instance.pk and data is None:
            lines = list(instance.lines.all())
            lines_initial = [
                {f: getattr(line, f) for f in OrderLineForm._meta.fields} for line in lines
            ]
            index = {line.pk: i + 1 for i, line in enumerate(lines)}
            batches_initial = [
                {"line": index[b.line_id], "delivery_date": b.delivery_date, "quantity": b.quantity}
                for b in instance.batches.all()
            ]
        self.form = OrderForm(data, instance=instance, initial=initial)
        self.lines = LineFormSet(data, prefix="lines", initial=lines_initial)
        self.batches = BatchFormSet(data, prefix="batches", initial=batches_initial)
        self.instance = instance

    def is_valid(self) -> bool:
        valid = all(
            [self.form.is_valid(), self.lines.is_valid(), self.batches.is_valid()]
        )  # every part validated, so every error shows at once
        return self._check_batches() and valid

    def kept_lines(self) -> dict[int, dict[str, Any]]:
        """The lines kept on the form, by their number on it (1, 2, …)."""
        return {
            i + 1: f.cleaned_data
            for i, f in enumerate(self.lines.forms)
            if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
        }

    def kept_batches(self) -> list[tuple[forms.Form, dict[str, Any]]]:
        return [
            (f, f.cleaned_data)
            for f in self.batches.forms
            if getattr(f, "cleaned_data", None)
            and f.cleaned_data.get("line")
            and not f.cleaned_data.get("DELETE")
        ]

    def _check_batches(self) -> bool:
        if not self.lines.is_valid() or not self.batches.is_valid():
            return False
        lines = self.kept_lines()
        order_date = self.form.cleaned_data.get("order_date") if self.form.is_valid() else None
        ok = True
        per_line: dict[int, Decimal] = defaultdict(Decimal)
        for form, data in self.kept_batches():
            number = data["line"]
            if number not in lines:
                form.add_error("line", _("There is no line %(n)s on this order.") % {"n": number})
                ok = False
                continue
            if order_date and data["delivery_date"] < order_date:
                form.add_error(
                    "delivery_date", _("A delivery date cannot be before the order date.")
                )
                ok = False
            per_line[number] += data["quantity"]
        for number, quantity in per_line.items():
            if quantity > lines[number]["quantity"]:
                self.batches._non_form_errors = self.batches.error_class(
                    [
                        *self.batches.non_form_errors(),
                        _(
                            "The batches of line %(n)s add up to %(q)s, "
                            "more than its quantity %(l)s."
                        )
                        % {"n": number, "q": quantity, "l": lines[number]["quantity"]},
                    ]
                )
                ok = False
        return ok


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "code",
            "name",
            "contact",
            "phone",
            "email",
            "address",
            "tax_number",
            "bank_name",
            "bank_account",
            "credit_limit",
            "deposit_percent",
            "payment_days",
            "active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        apply_model_limits(self)


ContactFormSet = forms.inlineformset_factory(
    Customer,
    CustomerContact,
    fields=["name", "title", "phone", "email"],
    extra=1,
    can_delete=True,
    max_num=50,
    validate_max=True,
)


# --- Shipping notices (出货通知单) ------------------------------------------------------


class ShippingNoticeForm(StepModelForm):
    """The head of a shipping notice; its lines are ``NoticeLineFormSet``."""

    class Meta:
        model = ShippingNotice
        fields = ["ship_date", "delivery_address", "remarks"]
        widgets = {"remarks": forms.Textarea(attrs={"rows": 2})}

    not_in_past = ("ship_date",)


class NoticeLineForm(forms.Form):
    """A line of the order and the quantity of it in this batch; the line is
    one of the order's (``order_lines``), the quantity checked against what
    is left of it on the server, under the order's lock."""

    line = forms.TypedChoiceField(label=_("order line"), coerce=int, empty_value=None)
    quantity = forms.DecimalField(
        label=_("quantity"),
        max_digits=11,
        decimal_places=2,
        required=False,
        validators=[MinValueValidator(CENT), MaxValueValidator(MAX_QUANTITY)],
    )

    def __init__(self, *args: Any, order_lines: list[OrderLine] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [
            (line.pk, f"{line.position}. {line.product} {line.spec}".strip())
            for line in order_lines
        ]
        self.fields["quantity"].widget.attrs.update({"min": "0.01", "step": "0.01"})
        _as_cells(self)


class BaseNoticeLineFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, order_lines: list[OrderLine] = (), **kwargs: Any) -> None:
        self.order_lines = list(order_lines)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"order_lines": self.order_lines}

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[int] = set()
        for form in self.forms:
            line, quantity = form.cleaned_data.get("line"), form.cleaned_data.get("quantity")
            if line is None or quantity is None:
                continue
            if line in seen:
                form.add_error("line", _("This line is on the notice twice."))
            seen.add(line)

    def quantities(self) -> dict[int, Decimal]:
        """The batch: order line pk → quantity, the rows left empty left out."""
        return {
            f.cleaned_data["line"]: f.cleaned_data["quantity"]
            for f in self.forms
            if f.cleaned_data.get("line") is not None and f.cleaned_data.get("quantity")
        }


NoticeLineFormSet = forms.formset_factory(
    NoticeLineForm,
    formset=BaseNoticeLineFormSet,
    extra=0,
    max_num=MAX_ROWS,
    validate_max=True,
)


# --- Invoices, payments, contacts ------------------------------------------------------


class InvoiceForm(StepModelForm):
    """An invoice: for a shipped batch (``notice``) or, without one, for what
    of the order is not invoiced yet. The amount and the due date are the
    server's."""

    class Meta:
        model = Invoice
        fields = ["invoice_no", "invoice_date", "notice"]

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notice"].queryset = ShippingNotice.objects.filter(
            order=order, state__in=ShippingNotice.SHIPPED_STATES
        ).exclude(invoices__state__in=[Invoice.State.ISSUED, Invoice.State.PAID])
        self.fields["notice"].required = False
        self.fields["notice"].empty_label = _("The whole order (what is not invoiced yet)")
        self.fields["notice"].help_text = _("The shipped batch this invoice is for.")


class PaymentForm(forms.ModelForm):
    """A payment against the invoice (the locked record): not in the future,
    not more than the balance."""

    paid_on = forms.DateField(
        label=_("received on"), widget=DateInput(), validators=list(PAST_DATE)
    )
    amount = forms.DecimalField(
        label=_("amount received"),
        max_digits=15,
        decimal_places=2,
        validators=[MinValueValidator(CENT), MaxValueValidator(MAX_AMOUNT)],
    )
    bank_reference = forms.CharField(
        label=_("bank reference"),
        max_length=Payment._meta.get_field("bank_reference").max_length,
        required=False,
    )

    class Meta:
        model = Invoice
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].widget.attrs.update(date_limits(PAST_DATE))
        self.fields["amount"].widget.attrs.update({"min": "0.01", "step": "0.01"})
        if self.instance.pk:
            self.fields["amount"].help_text = _("Balance: %(b)s") % {
                "b": f"{self.instance.currency} {self.instance.balance:,.2f}"
            }

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        balance = self.instance.balance
        if amount > balance:
            raise forms.ValidationError(
                _("The balance of this invoice is %(b)s: a payment cannot be more."),
                params={"b": f"{balance:,.2f}"},
            )
        return amount


class ContactForm(forms.Form):
    contacted_on = forms.DateField(
        label=_("contacted on"), widget=DateInput(), validators=list(PAST_DATE)
    )
    how = forms.ChoiceField(label=_("how"), choices=ContactLog.How.choices)
    contact_person = forms.CharField(label=_("who (customer)"), max_length=100, required=False)
    note = forms.CharField(
        label=_("what was said"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    promised_on = forms.DateField(
        label=_("promised to pay by"),
        widget=DateInput(),
        required=False,
        validators=list(FUTURE_DATE),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contacted_on"].widget.attrs.update(date_limits(PAST_DATE))
        self.fields["promised_on"].widget.attrs.update(date_limits(FUTURE_DATE))
