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
from workflows.validators import FUTURE_DATE

from .models import CENT, MAX_QUANTITY, Customer, CustomerContact, Order, OrderLine

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
