"""The sales plan's step form, for what the fields' shape cannot check: its
rows of customer, product, quantity and unit price, read as many as the page
posts, and the month page's choice of plans."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cached_property
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import Customer
from workflows.forms import DateInput, StepModelForm

from .models_plans import (
    MAX_ACTIONS,
    MAX_PLAN_LINES,
    MAX_QUANTITY,
    MAX_UNIT_PRICE,
    PromotionAction,
    PromotionPlan,
    SalesPlanLine,
)

PLAN_ROWS = 5  # rows of a new plan's table (empty ones are left out)
PLAN_EXTRA = 2  # empty rows after a returned plan's lines
ROW_FIELDS = ("customer", "product", "quantity", "price")


def row_fields(n: int) -> tuple[str, str, str, str]:
    return f"customer_{n}", f"product_{n}", f"quantity_{n}", f"price_{n}"


class SalesPlanForm(StepModelForm):
    """The plan's notes (declared on the step) and its rows. A row's amount is
    its quantity times its unit price and the plan's totals their sums, all
    computed on the server; a row half filled in is an error on its field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lines = list(self.instance.lines.select_related("customer")) if self.instance.pk else []
        self.rows = max(PLAN_ROWS, len(lines) + PLAN_EXTRA)
        self.posted_rows = 0
        if self.is_bound:
            self.posted_rows = self.highest_posted_row()
            self.rows = max(self.rows, min(self.posted_rows, MAX_PLAN_LINES))
        # The customers are read once for every row's picker, when first needed.
        self._lines = lines
        choices = self.customer_choices
        product_length = SalesPlanLine._meta.get_field("product").max_length
        for n in range(1, self.rows + 1):
            customer, product, quantity, price = row_fields(n)
            line = lines[n - 1] if n <= len(lines) else None
            self.fields[customer] = forms.TypedChoiceField(
                label=_("Customer %(n)s") % {"n": n},
                choices=choices,
                coerce=int,
                required=False,
                initial=line.customer_id if line else None,
                error_messages={"invalid_choice": _("Choose one of the active customers.")},
            )
            self.fields[product] = forms.CharField(
                label=_("Product %(n)s") % {"n": n},
                max_length=product_length,
                required=False,
                initial=line.product if line else None,
            )
            self.fields[quantity] = forms.IntegerField(
                label=_("Quantity %(n)s") % {"n": n},
                min_value=1,
                max_value=MAX_QUANTITY,
                required=False,
                initial=line.quantity if line else None,
                error_messages={
                    "max_value": _("A quantity may not exceed %(limit_value)s."),
                    "invalid": _("A quantity is a whole number of at least 1."),
                },
            )
            self.fields[price] = forms.DecimalField(
                label=_("Unit price %(n)s (yuan)") % {"n": n},
                max_digits=12,
                decimal_places=2,
                min_value=Decimal(0),
                max_value=MAX_UNIT_PRICE,
                required=False,
                initial=line.unit_price if line else None,
                error_messages={
                    "min_value": _("A unit price cannot be negative."),
                    "max_value": _("A unit price may not exceed %(limit_value)s yuan."),
                },
            )

    @cached_property
    def customers(self) -> dict[int, Customer]:
        """The active customers, and those of the plan's rows: one query."""
        found = {c.pk: c for c in Customer.objects.filter(active=True).only("pk", "name", "code")}
        for line in self._lines:
            found.setdefault(line.customer_id, line.customer)
        return found

    def customer_choices(self) -> list[tuple[Any, str]]:
        by_name = sorted(self.customers.items(), key=lambda i: i[1].name)
        return [("", "---------"), *((pk, c.name) for pk, c in by_name)]

    def highest_posted_row(self) -> int:
        """The number of the last row the page posted ("Add a row" adds rows)."""
        pattern = re.compile(
            rf"^{re.escape(self.add_prefix(''))}(?:{'|'.join(ROW_FIELDS)})_(\d{{1,4}})$"
        )
        numbers = [0]
        for key in self.data:
            match = pattern.match(key)
            if match:
                numbers.append(int(match.group(1)))
        return max(numbers)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.posted_rows > MAX_PLAN_LINES:
            raise forms.ValidationError(
                _("A sales plan has at most %(n)s rows.") % {"n": MAX_PLAN_LINES},
                code="too_many_lines",
            )
        lines: list[tuple[Customer, str, int, Decimal]] = []
        for n in range(1, self.rows + 1):
            names = row_fields(n)
            if any(name in self.errors for name in names):
                continue
            customer_id, product, quantity, price = (cleaned.get(name) for name in names)
            product = (product or "").strip()
            given = [customer_id not in (None, ""), bool(product), quantity is not None]
            given.append(price is not None)
            if not any(given):
                continue
            missing = {
                names[0]: _("Choose the customer of this row."),
                names[1]: _("Name the product of this row."),
                names[2]: _("Give the quantity of this row."),
                names[3]: _("Give the unit price of this row."),
            }
            for name, ok in zip(names, given, strict=True):
                if not ok:
                    self.add_error(name, missing[name])
            if all(given):
                lines.append((self.customers[int(customer_id)], product, quantity, price))
        if not lines and not self.errors:
            raise forms.ValidationError(_("The sales plan needs at least one row."), code="empty")
        cleaned["lines"] = lines
        return cleaned


class MonthForm(forms.Form):
    """The month a page shows (YYYY-MM)."""

    month = forms.RegexField(
        label=_("plan month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": _("Give a month as YYYY-MM.")},
        widget=forms.TextInput(attrs={"type": "month"}),
    )


class PlansStepForm(forms.Form):
    """A step taken on several plans of a month at once from the month page:
    the plans chosen (each with the step number the page showed) and the comment."""

    STEPS = ("consolidate_sales_plan", "approve_sales_plan", "reject_sales_plan")

    step = forms.ChoiceField(choices=[(s, s) for s in STEPS])
    plans = forms.TypedMultipleChoiceField(
        coerce=int,
        label=_("plans"),
        error_messages={"required": _("Choose at least one key-account manager's plan.")},
    )
    comment = forms.CharField(
        label=_("comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, choices: dict[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seqs = choices
        self.fields["plans"].choices = [(pk, pk) for pk in choices]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (
            cleaned.get("step") == "reject_sales_plan"
            and not (cleaned.get("comment") or "").strip()
        ):
            self.add_error("comment", _("Say why the plans are returned."))
        seen: dict[int, int] = {}
        for pk in cleaned.get("plans") or []:
            raw = self.data.get(f"seq_{pk}", "")
            if not str(raw).isdigit():
                raise forms.ValidationError(
                    _("This page was out of date: reload it and try again."), code="stale"
                )
            seen[pk] = int(raw)
        cleaned["seen"] = seen
        return cleaned


# --- The promotion plan ------------------------------------------------------------------


def _highest_row(form: forms.BaseForm, names: tuple[str, ...]) -> int:
    """The number of the last row of ``names`` the page posted."""
    pattern = re.compile(rf"^{re.escape(form.add_prefix(''))}(?:{'|'.join(names)})_(\d{{1,4}})$")
    numbers = [0]
    for key in form.data:
        match = pattern.match(key)
        if match:
            numbers.append(int(match.group(1)))
    return max(numbers)


ACTION_ROWS = 4
ACTION_FIELDS = ("what", "who", "starts", "ends", "budget")


def action_fields(n: int) -> tuple[str, str, str, str, str]:
    return f"what_{n}", f"who_{n}", f"starts_{n}", f"ends_{n}", f"budget_{n}"


class PromotionPlanForm(StepModelForm):
    """The plan's goals, strategy and schedule (declared on the step) and its
    actions as rows of what, who, start and end dates and budget; the total
    budget is their sum, computed here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = list(self.instance.actions.all()) if self.instance.pk else []
        self.rows = max(ACTION_ROWS, len(actions) + PLAN_EXTRA)
        self.posted_rows = 0
        if self.is_bound:
            self.posted_rows = _highest_row(self, ACTION_FIELDS)
            self.rows = max(self.rows, min(self.posted_rows, MAX_ACTIONS))
        model = PromotionAction._meta
        for n in range(1, self.rows + 1):
            what, who, starts, ends, budget = action_fields(n)
            action = actions[n - 1] if n <= len(actions) else None
            self.fields[what] = forms.CharField(
                label=_("Action %(n)s") % {"n": n},
                max_length=model.get_field("what").max_length,
                required=False,
                initial=action.what if action else None,
            )
            self.fields[who] = forms.CharField(
                label=_("Carried out by %(n)s") % {"n": n},
                max_length=model.get_field("owner").max_length,
                required=False,
                initial=action.owner if action else None,
            )
            for name, field_name, label in (
                (starts, "starts", _("Starts %(n)s")),
                (ends, "ends", _("Ends %(n)s")),
            ):
                self.fields[name] = forms.DateField(
                    label=label % {"n": n},
                    required=False,
                    widget=DateInput(),
                    validators=list(model.get_field(field_name).validators),
                    initial=getattr(action, field_name) if action else None,
                )
            self.fields[budget] = forms.DecimalField(
                label=_("Budget %(n)s (yuan)") % {"n": n},
                max_digits=14,
                decimal_places=2,
                min_value=Decimal(0),
                max_value=MAX_UNIT_PRICE,
                required=False,
                initial=action.budget if action else None,
                error_messages={"min_value": _("A budget cannot be negative.")},
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.posted_rows > MAX_ACTIONS:
            raise forms.ValidationError(
                _("A promotion plan has at most %(n)s actions.") % {"n": MAX_ACTIONS},
                code="too_many_lines",
            )
        actions: list[tuple[str, str, Any, Any, Decimal]] = []
        for n in range(1, self.rows + 1):
            names = action_fields(n)
            if any(name in self.errors for name in names):
                continue
            what, who, starts, ends, budget = (cleaned.get(name) for name in names)
            what, who = (what or "").strip(), (who or "").strip()
            given = [bool(what), bool(who), starts is not None, ends is not None]
            given.append(budget is not None)
            if not any(given):
                continue
            missing = (
                _("Say what is done."),
                _("Say who carries it out."),
                _("Give the day it starts."),
                _("Give the day it ends."),
                _("Give its budget (0 if none)."),
            )
            for name, ok, message in zip(names, given, missing, strict=True):
                if not ok:
                    self.add_error(name, message)
            if all(given):
                if ends < starts:
                    self.add_error(names[3], _("An action cannot end before it starts."))
                    continue
                actions.append((what, who, starts, ends, budget))
        if not actions and not self.errors:
            raise forms.ValidationError(
                _("The promotion plan needs at least one action."), code="empty"
            )
        cleaned["actions"] = actions
        return cleaned


class ActionDoneForm(forms.ModelForm):
    """One open action of the plan marked done, with how it was done.

    A ModelForm on the plan (it edits none of its fields), so that the checks
    see the plan as locked by the step."""

    action = forms.TypedChoiceField(
        label=_("action"),
        coerce=int,
        error_messages={"invalid_choice": _("Choose one of the plan's open actions.")},
    )
    note = forms.CharField(
        label=_("how it was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = PromotionPlan
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        open_actions = (
            list(self.instance.actions.filter(done_at__isnull=True)) if self.instance.pk else []
        )
        self.fields["action"].choices = [("", "---------")] + [
            (a.position, str(a)) for a in open_actions
        ]
