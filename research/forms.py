"""The research steps' forms, for what the fields' shape cannot check: the
budget's lines, the questionnaire's questions, a task's assignee and due date."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateInput, StepModelForm, UserChoiceField, date_not_in_past
from workflows.roles import role_members

from .models import (
    MAX_CHOICE,
    MAX_CHOICES,
    MAX_LINE_AMOUNT,
    MAX_QUESTION,
    MAX_QUESTIONS,
    SCALE,
    SECTION,
    BudgetLine,
    Question,
    ResearchPlan,
    ResearchTask,
    task_problems,
)

BUDGET_ROWS = 6  # rows of the budget table on a new plan's form (empty ones are left out)
BUDGET_EXTRA = 2  # empty rows after a returned plan's lines, to add a line without script
MAX_BUDGET_LINES = 40
QUESTION_ROWS = 8  # rows of the questionnaire table on the issuing step's form


def budget_fields(n: int) -> tuple[str, str]:
    return f"item_{n}", f"amount_{n}"


class PlanBudgetForm(StepModelForm):
    """The plan's sections (declared on the step) and its budget as lines of
    an item and an amount in yuan; the total is the lines' sum, computed here
    and never taken from the page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lines = list(self.instance.budget_lines.all()) if self.instance.pk else []
        self.rows = max(BUDGET_ROWS, len(lines) + BUDGET_EXTRA)
        self.posted_rows = 0
        if self.is_bound:
            # The page may have added rows ("Add a budget line"): as many as it posts.
            self.posted_rows = self.highest_posted_row()
            self.rows = max(self.rows, min(self.posted_rows, MAX_BUDGET_LINES))
        for n in range(1, self.rows + 1):
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

    def highest_posted_row(self) -> int:
        """The number of the last budget row the page posted."""
        pattern = re.compile(rf"^{re.escape(self.add_prefix('item_'))}(\d+)$")
        amounts = re.compile(rf"^{re.escape(self.add_prefix('amount_'))}(\d+)$")
        numbers = [0]
        for key in self.data:
            match = pattern.match(key) or amounts.match(key)
            if match and len(match.group(1)) <= 4:
                numbers.append(int(match.group(1)))
        return max(numbers)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        budget: list[tuple[str, Decimal]] = []
        if self.posted_rows > MAX_BUDGET_LINES:
            raise forms.ValidationError(
                _("A budget has at most %(n)s lines.") % {"n": MAX_BUDGET_LINES},
                code="too_many_lines",
            )
        for n in range(1, self.rows + 1):
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


def question_fields(n: int) -> tuple[str, str, str]:
    return f"question_{n}", f"kind_{n}", f"choices_{n}"


def answer_field(question: Question) -> str:
    return f"answer_{question.position}"


class MaterialsForm(StepModelForm):
    """The collection form's notes (declared on the step) and the questionnaire
    as rows of a question, its kind of answer and, for a single choice, its
    choices one a line: at least one question, at most 50. The rows are
    written to the plan's questions by the step's effect."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        existing = list(self.instance.questions.all()) if self.instance.pk else []
        self.rows = min(MAX_QUESTIONS, max(QUESTION_ROWS, len(existing) + 3))
        for n in range(1, self.rows + 1):
            text, kind, choices = question_fields(n)
            question = existing[n - 1] if n <= len(existing) else None
            self.fields[text] = forms.CharField(
                label=_("Question %(n)s") % {"n": n},
                max_length=MAX_QUESTION,
                required=False,
                initial=question.text if question else None,
            )
            self.fields[kind] = forms.ChoiceField(
                label=_("Kind of answer %(n)s") % {"n": n},
                choices=Question.Kind.choices,
                initial=question.kind if question else Question.Kind.TEXT,
                required=False,
            )
            self.fields[choices] = forms.CharField(
                label=_("Choices of question %(n)s, one a line") % {"n": n},
                required=False,
                max_length=MAX_CHOICES * (MAX_CHOICE + 1),
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=question.choices if question else None,
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        questions: list[tuple[str, str, str]] = []
        for n in range(1, self.rows + 1):
            text_name, kind_name, choices_name = question_fields(n)
            if any(name in self.errors for name in (text_name, kind_name, choices_name)):
                continue
            text = (cleaned.get(text_name) or "").strip()
            kind = cleaned.get(kind_name) or Question.Kind.TEXT
            choices = [c.strip() for c in (cleaned.get(choices_name) or "").splitlines()]
            choices = [c for c in choices if c]
            if not text:
                if choices:
                    self.add_error(text_name, _("Write the question these choices answer."))
                continue
            if kind == Question.Kind.CHOICE:
                if len(choices) < 2:
                    self.add_error(
                        choices_name, _("A single-choice question needs at least two choices.")
                    )
                elif len(choices) > MAX_CHOICES:
                    self.add_error(
                        choices_name,
                        _("A question has at most %(n)s choices.") % {"n": MAX_CHOICES},
                    )
                elif any(len(c) > MAX_CHOICE for c in choices):
                    self.add_error(
                        choices_name,
                        _("A choice has at most %(n)s characters.") % {"n": MAX_CHOICE},
                    )
                elif len(set(choices)) < len(choices):
                    self.add_error(choices_name, _("Each choice must be different."))
            elif choices:
                self.add_error(choices_name, _("Only a single-choice question has choices."))
            questions.append((text, kind, "\n".join(choices)))
        if not questions and not self.errors:
            raise forms.ValidationError(_("Write at least one question."), code="no_questions")
        cleaned["questions"] = questions
        return cleaned


class FindingsForm(StepModelForm):
    """The collection form's fields (declared on the step) and one answer per
    question of the plan's questionnaire: free text, one of its choices, or an
    integer from 1 to 5, each required."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions: list[Question] = []
        if not self.instance.pk:
            return
        self.questions = list(self.instance.plan.questions.all())
        given = {a.question_id: a.value for a in self.instance.answers.all()}
        for q in self.questions:
            label = f"{q.position}. {q.text}"
            initial = given.get(q.pk)
            required = {"required": _("Answer this question.")}
            field: forms.Field
            if q.kind == Question.Kind.CHOICE:
                field = forms.ChoiceField(
                    label=label,
                    choices=[("", "---------")] + [(c, c) for c in q.choice_list()],
                    initial=initial,
                    error_messages={
                        **required,
                        "invalid_choice": _("Choose one of the question's choices."),
                    },
                )
            elif q.kind == Question.Kind.SCALE:
                field = forms.IntegerField(
                    label=label,
                    min_value=SCALE[0],
                    max_value=SCALE[-1],
                    initial=initial,
                    help_text=_("1 (lowest) to 5 (highest)"),
                    error_messages={
                        **required,
                        "invalid": _("Give a whole number from 1 to 5."),
                        "min_value": _("Give a whole number from 1 to 5."),
                        "max_value": _("Give a whole number from 1 to 5."),
                    },
                )
            else:
                field = forms.CharField(
                    label=label,
                    max_length=SECTION,
                    initial=initial,
                    widget=forms.Textarea(attrs={"rows": 2}),
                    error_messages=required,
                )
            self.fields[answer_field(q)] = field

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        answers: list[tuple[Question, str]] = []
        for q in self.questions:
            value = cleaned.get(answer_field(q))
            if value is not None and str(value).strip():
                answers.append((q, str(value).strip()))
        cleaned["answers"] = answers
        return cleaned


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
