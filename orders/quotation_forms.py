"""The quotation's forms: the inquiry or tender that opens it, its head and
lines (sales), and operations' purchase prices and lead times per line.

No amount is a field of these forms: the server computes every amount and
margin from the quantities, prices and tax rates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.forms import StepModelForm, apply_model_limits

from .forms import MAX_ROWS, _as_cells
from .models import Quotation, QuotationLine


class QuotationCreateForm(StepModelForm):
    """The inquiry or tender as sales records it (询价 / 招标)."""

    class Meta:
        model = Quotation
        fields = [
            "kind",
            "customer",
            "salesperson",
            "title",
            "requirements",
            "tender_deadline",
            "currency",
        ]
        widgets = {"requirements": forms.Textarea(attrs={"rows": 4})}

    not_in_past = ("tender_deadline",)
    limit_choices_to = {"customer": {"active": True}}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == Quotation.Kind.TENDER and not data.get("tender_deadline"):
            self.add_error("tender_deadline", _("A tender needs its submission deadline."))
        return data


class QuotationHeadForm(StepModelForm):
    """The quotation's commercial terms, changed while it is prepared."""

    class Meta:
        model = Quotation
        fields = [
            "title",
            "requirements",
            "currency",
            "valid_until",
            "deposit_percent",
            "payment_days",
            "delivery_terms",
            "terms",
        ]
        widgets = {
            "requirements": forms.Textarea(attrs={"rows": 3}),
            "terms": forms.Textarea(attrs={"rows": 3}),
        }

    not_in_past = ("valid_until",)


class QuotationLineForm(forms.ModelForm):
    class Meta:
        model = QuotationLine
        fields = [
            "product",
            "spec",
            "parameters",
            "unit",
            "quantity",
            "unit_price",
            "tax_rate",
            "delivery_days",
        ]
        widgets = {"parameters": forms.Textarea(attrs={"rows": 1})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        apply_model_limits(self)
        for name in ("quantity", "unit_price", "tax_rate"):
            self.fields[name].widget.attrs["step"] = "0.01"
        _as_cells(self)


QuotationLineFormSet = forms.formset_factory(
    QuotationLineForm,
    extra=1,
    can_delete=True,
    min_num=1,
    validate_min=True,
    max_num=MAX_ROWS,
    validate_max=True,
)


class QuotationEntry:
    """The head and the lines, valid only together."""

    def __init__(self, data: Any = None, *, instance: Quotation) -> None:
        initial = None
        if data is None:
            initial = [
                {f: getattr(line, f) for f in QuotationLineForm._meta.fields}
                for line in instance.lines.all()
            ]
        self.form = QuotationHeadForm(data, instance=instance)
        self.lines = QuotationLineFormSet(data, prefix="lines", initial=initial)
        self.instance = instance

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.lines.is_valid()])

    def kept_lines(self) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
            for f in self.lines.forms
            if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
        ]


class CostLineForm(forms.ModelForm):
    """Operations' figures for one line (运营部: 采购价格及交货期)."""

    class Meta:
        model = QuotationLine
        fields = ["spec", "parameters", "purchase_price", "lead_time_days"]
        widgets = {"parameters": forms.Textarea(attrs={"rows": 1})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        apply_model_limits(self)
        self.fields["purchase_price"].required = True
        self.fields["lead_time_days"].required = True
        self.fields["purchase_price"].widget.attrs["step"] = "0.01"
        _as_cells(self)


CostFormSet = forms.modelformset_factory(
    QuotationLine, form=CostLineForm, extra=0, can_delete=False, max_num=MAX_ROWS
)
