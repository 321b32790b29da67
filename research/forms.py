"""The research steps' forms, for what the fields' shape cannot check: the
budget's lines, the questionnaire's questions, a task's assignee and due date."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateInput, StepModelForm, UserChoiceField, date_not_in_past
from workflows.roles import role_members

from .models import (
    MAX_LINE_AMOUNT,
    MAX_QUESTIONS,
    SECTION,
    BudgetLine,
    ResearchPlan,
    ResearchTask,
    task_problems,
)

BUDGET_ROWS = 6  # lines of the budget table on the plan's form
MAX_QUESTION = 300  # characters of one question


def budget_fields(n: int) -> tuple[str, str]:
    return f"item_{n}", f"amount_{n}"


class PlanBudgetForm(StepModelForm):
    """The plan's sections (declared on the step) and its budget as lines of
    an item and an amount in yuan; the total is the lines' sum, computed here
    and never taken from the page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lines = list(self.instance.budget_lines.all()) if self.instance.pk else []
        for n in range(1, BUDGET_ROWS + 1):
            item, amount = budget_fields(n)
            line = lines[n - 1] if n <= len(lines) else None
            self.fields[item] = forms.CharField(
                label=_("Budget item %(n)s") % {"n": n},
                max_length=BudgetLine._meta.get_field("item").max_length,
                required=False,
                initial=line.item if line else None,
            )
            self.fields[amount] = forms.DecimalField(
                label=_("Amount %(n)s (yuan)") % {"n": n},
                max_digits=12,
                decimal_places=2,
                min_value=Decimal(0),
                max_value=MAX_LINE_AMOUNT,
                required=False,
                initial=line.amount if line else None,
                error_messages={
                    "min_value": _("A budget amount cannot be negative."),
                    "max_value": _("A budget line may not exceed %(limit_value)s yuan."),
                },
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        budget: list[tuple[str, Decimal]] = []
        for n in range(1, BUDGET_ROWS + 1):
            item_name, amount_name = budget_fields(n)
            if item_name in self.errors or amount_name in self.errors:
                continue
            item = (cleaned.get(item_name) or "").strip()
            amount = cleaned.get(amount_name)
            if item and amount is None:
                self.add_error(amount_name, _("Give the amount of this budget item."))
            elif amount is not None and not item:
                self.add_error(item_name, _("Say what this amount is for."))
            elif item:
                budget.append((item, amount))
        if not budget and not self.errors:
            raise forms.ValidationError(_("The budget needs at least one line."), code="no_budget")
        cleaned["budget"] = budget
        return cleaned


class MaterialsForm(StepModelForm):
    """The questionnaire is one question a line: at least one, at most 50."""

    def clean_questionnaire(self) -> str:
        text = self.cleaned_data.get("questionnaire") or ""
        questions = [q.strip() for q in text.splitlines() if q.strip()]
        if not questions:
            raise forms.ValidationError(_("Write at least one question."), code="no_questions")
        if len(questions) > MAX_QUESTIONS:
            raise forms.ValidationError(
                _("A questionnaire has at most %(n)s questions.") % {"n": MAX_QUESTIONS},
                code="too_many_questions",
            )
        if any(len(q) > MAX_QUESTION for q in questions):
            raise forms.ValidationError(
                _("A question has at most %(n)s characters.") % {"n": MAX_QUESTION},
                code="long_question",
            )
        return "\n".join(questions)


class TaskAssignForm(forms.ModelForm):
    """One research task for one key-account manager, due within the plan's period.

    A ModelForm on the plan (it edits none of its fields), so that the checks
    see the plan as locked by the step."""

    ka_manager = UserChoiceField(
        label=_("key-account manager"),
        queryset=role_members("ka_manager"),
        error_messages={"invalid_choice": _("A research task goes to a key-account manager only.")},
    )
    area = forms.CharField(label=ResearchTask._meta.get_field("area").verbose_name, max_length=200)
    due_date = forms.DateField(
        label=ResearchTask._meta.get_field("due_date").verbose_name,
        widget=DateInput(),
        validators=[*ResearchTask._meta.get_field("due_date").validators, date_not_in_past],
    )
    training_notes = forms.CharField(
        label=ResearchTask._meta.get_field("training_notes").verbose_name,
        required=False,
        max_length=SECTION,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the marketing manager trains the key-account manager in, if needed."),
    )

    class Meta:
        model = ResearchPlan
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ka_manager"].queryset = role_members("ka_manager")
        if self.instance.pk and self.instance.period_end:
            self.fields["due_date"].widget.attrs["max"] = self.instance.period_end.isoformat()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        owner, due_date = cleaned.get("ka_manager"), cleaned.get("due_date")
        if owner is not None and self.instance.pk:
            problems = task_problems(self.instance, owner, due_date)
            for name, message in problems.items():
                field = {"owner": "ka_manager", "plan": None}.get(name, name)
                self.add_error(field, message)
        return cleaned
