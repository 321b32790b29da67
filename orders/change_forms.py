"""Forms of contract changes (合同更改单): the change's head with its proposed
payment terms, and its proposed lines, prefilled from the order. Everything
the change may not do is a field error here, and nothing is saved."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateInput, StepModelForm, date_limits
from workflows.revisions import diff, snapshot
from workflows.validators import FUTURE_DATE

from .models import CENT, MAX_PRICE, MAX_QUANTITY, ChangeLine, ContractChange, Order
from .models.changes import (
    CHANGEABLE_STATES,
    OPEN_CHANGE_STATES,
    below_held,
    proposal_snapshot,
    shipping_problems,
)


class ChangeForm(StepModelForm):
    """Who asked for the change, why, and the proposed payment terms."""

    class Meta:
        model = ContractChange
        fields = ["requested_by", "reason", "deposit_percent", "payment_days"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}


class ChangeLineForm(forms.Form):
    """A proposed line: an order line's position, or empty for a new line."""

    position = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    product = forms.CharField(label=_("product"), max_length=200)
    spec = forms.CharField(label=_("model / specification"), max_length=200, required=False)
    unit = forms.CharField(label=_("unit"), max_length=20)
    quantity = forms.DecimalField(
        label=_("quantity"),
        max_digits=11,
        decimal_places=2,
        validators=[MinValueValidator(CENT), MaxValueValidator(MAX_QUANTITY)],
    )
    unit_price = forms.DecimalField(
        label=_("unit price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(CENT), MaxValueValidator(MAX_PRICE)],
    )
    tax_rate = forms.DecimalField(
        label=_("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        initial=Decimal("13"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )


ChangeLineFormSet = forms.formset_factory(
    ChangeLineForm, extra=1, can_delete=True, max_num=100, validate_max=True
)


class ChangeBatchForm(forms.Form):
    """A delivery batch (交货批次) of a proposed line, named by its number."""

    line = forms.IntegerField(
        label=_("line"),
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("A new line takes the next number."),
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


ChangeBatchFormSet = forms.formset_factory(
    ChangeBatchForm, extra=1, can_delete=True, max_num=200, validate_max=True
)
BATCHES = "batches"  # the batches' formset prefix


def initial_lines(order: Order) -> list[dict[str, Any]]:
    fields = ("position", *Order.revision_lines.fields)
    return [{f: getattr(line, f) for f in fields} for line in order.lines.all()]


def initial_batches(order: Order) -> list[dict[str, Any]]:
    return [
        {"line": b.line.position, "delivery_date": b.delivery_date, "quantity": b.quantity}
        for b in order.batches.select_related("line")
    ]


class ChangeProposal:
    """The change's form and its lines' formset for ``order``, validated
    together: ``is_valid()``, then ``terms`` and ``lines`` for
    ``orders.change_services.change_draft``."""

    def __init__(self, order: Order, data: Any = None) -> None:
        self.order = order
        initial = {"deposit_percent": order.deposit_percent, "payment_days": order.payment_days}
        self.form = ChangeForm(data, initial=initial)
        self.formset = ChangeLineFormSet(data, initial=None if data else initial_lines(order))
        # A post without the batches' part keeps the order's batches.
        self.batch_rows: Any = None
        if not data or f"{BATCHES}-TOTAL_FORMS" in data:
            self.batch_rows = ChangeBatchFormSet(
                data, prefix=BATCHES, initial=None if data else initial_batches(order)
            )
        self.terms: dict[str, Any] = {}
        self.lines: list[dict[str, Any]] = []
        self.batches: list[dict[str, Any]] = []

    def is_valid(self) -> bool:
        valid = self.form.is_valid() & self.formset.is_valid()
        if self.batch_rows is not None:
            valid &= self.batch_rows.is_valid()
        order = self.order
        if order.state in (Order.State.CANCELLED, Order.State.CLOSED):
            self.form.add_error(
                None, _("The order is cancelled or closed: its contract cannot be changed.")
            )
            return False
        if order.state not in CHANGEABLE_STATES:
            self.form.add_error(
                None,
                _(
                    "Only a confirmed order that has not shipped in full is changed "
                    "by a contract change; before its review, edit the order itself."
                ),
            )
            return False
        if ContractChange.objects.filter(order=order, state__in=OPEN_CHANGE_STATES).exists():
            self.form.add_error(
                None,
                _(
                    "Another change of this order is open: it is decided or withdrawn "
                    "before a new one is drafted."
                ),
            )
            return False
        if not valid:
            return False
        current = {line.position: line for line in order.lines.all()}
        taken = set(current)
        rows: list[tuple[forms.Form, ChangeLine]] = []
        for line_form in self.formset.forms:
            data = line_form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            position = data.get("position")
            if position is None or position not in current:
                position = max(taken, default=0) + 1
                taken.add(position)
            fields = {f: data[f] for f in Order.revision_lines.fields}
            fields["spec"] = fields["spec"] or ""
            rows.append((line_form, ChangeLine(position=position, **fields)))
        if not rows:
            self.formset._non_form_errors = self.formset.error_class(
                [_("The order keeps at least one line.")]
            )
            return False
        proposed = {line.position: line for _f, line in rows}
        batches = self._batches(proposed, {line.position: f for f, line in rows})
        if batches is None:
            return False
        # The proposed total, recomputed here as the order computes it.
        total = Decimal("0")
        for line in proposed.values():
            line.compute()
            total += line.amount + line.tax_amount
        terms = ContractChange(
            deposit_percent=self.form.cleaned_data.get("deposit_percent"),
            payment_days=self.form.cleaned_data.get("payment_days"),
            total=total,
        )
        by_line: dict[int, list[Any]] = {}
        for b in batches:
            by_line.setdefault(b["position"], []).append((b["delivery_date"], b["quantity"]))
        if not diff(snapshot(order), proposal_snapshot(terms, proposed.values(), by_line), Order):
            self.form.add_error(None, _("The change changes nothing on the order."))
            return False
        shipped = order.shipped_quantities()
        noticed = order.shipped_quantities(noticed=True)
        ok = True
        for line_form, line in rows:
            was = current.get(line.position)
            problems = shipping_problems(
                {line.position: was} if was is not None else {},
                {line.position: line},
                shipped,
                noticed,
            )
            for problem in problems:
                field = "quantity" if below_held(line, was, shipped, noticed) else None
                line_form.add_error(field, problem)
                ok = False
        removed = {p: current[p] for p in current if p not in proposed}
        for problem in shipping_problems(removed, {}, shipped, noticed):
            self.formset._non_form_errors = self.formset.error_class([problem])
            ok = False
        if not ok:
            return False
        self.terms = {
            "requested_by": self.form.cleaned_data["requested_by"],
            "reason": self.form.cleaned_data["reason"],
            "deposit_percent": terms.deposit_percent,
            "payment_days": terms.payment_days,
        }
        self.lines = [
            {
                "position": line.position,
                **{f: getattr(line, f) for f in Order.revision_lines.fields},
            }
            for line in proposed.values()
        ]
        self.batches = batches
        return True

    def _batches(
        self, proposed: dict[int, ChangeLine], line_forms: dict[int, forms.Form]
    ) -> list[dict[str, Any]] | None:
        """The proposed delivery batches (position, delivery_date, quantity):
        the posted ones, each of a proposed line, a line's adding up to no
        more than its quantity; or the order's of the lines kept when none
        were posted. None, with the errors on the forms, when they do not fit."""
        found: list[dict[str, Any]] = []
        ok = True
        totals: dict[int, Decimal] = {}
        if self.batch_rows is None:
            found = [
                {
                    "position": b["line"],
                    "delivery_date": b["delivery_date"],
                    "quantity": b["quantity"],
                }
                for b in initial_batches(self.order)
                if b["line"] in proposed
            ]
            for b in found:
                totals[b["position"]] = totals.get(b["position"], Decimal("0")) + b["quantity"]
        for form in self.batch_rows.forms if self.batch_rows is not None else ():
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            position = data["line"]
            if position not in proposed:
                form.add_error("line", _("There is no line %(n)s as changed.") % {"n": position})
                ok = False
                continue
            totals[position] = totals.get(position, Decimal("0")) + data["quantity"]
            found.append(
                {
                    "position": position,
                    "delivery_date": data["delivery_date"],
                    "quantity": data["quantity"],
                }
            )
        for position, total in totals.items():
            if total <= proposed[position].quantity:
                continue
            message = _(
                "The batches of line %(n)s add up to %(q)s, more than its quantity %(l)s."
            ) % {
                "n": position,
                "q": f"{total.normalize():f}",
                "l": f"{proposed[position].quantity.normalize():f}",
            }
            if self.batch_rows is not None:
                self.batch_rows._non_form_errors = self.batch_rows.error_class(
                    [*self.batch_rows.non_form_errors(), message]
                )
            else:
                line_forms[position].add_error("quantity", message)
            ok = False
        return found if ok else None
