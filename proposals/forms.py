from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.forms import StepModelForm, apply_model_limits

from .models import ComparableProject, ProposalReport


class ResearchPlanForm(StepModelForm):
    """The research plan's step (its fields are declared on the step): the
    preliminary report is due before the developer's pitch deadline."""

    def clean_preliminary_due(self) -> Any:
        value = self.cleaned_data.get("preliminary_due")
        if value and self.instance.pitch_deadline and value > self.instance.pitch_deadline:
            raise forms.ValidationError(
                _("The preliminary report must be due before the pitch deadline (%(date)s).")
                % {"date": self.instance.pitch_deadline.isoformat()},
                code="after_pitch",
            )
        return value


class ReportForm(forms.ModelForm):
    class Meta:
        model = ProposalReport
        fields = list(ProposalReport.COPIED)
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in ProposalReport.COPIED
            if not name.endswith("_area")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        apply_model_limits(self)


class ComparableForm(forms.ModelForm):
    """One row of the comparable-projects table (labels are the table's head)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        apply_model_limits(self)
        for field in self.fields.values():
            css = (
                "form-check-input"
                if isinstance(field.widget, forms.CheckboxInput)
                else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css
            field.widget.attrs.setdefault("aria-label", str(field.label))

    def full_clean(self) -> None:
        # Marked after validation, which must not run before the formset has
        # added the row's own fields (id, DELETE). Those are not styled: the
        # formset's clean() reports a wrong row id for the whole table.
        super().full_clean()
        for name in self.errors:
            field = self.fields.get(name)
            if field is not None and not field.widget.is_hidden:
                css = field.widget.attrs.get("class", "")
                field.widget.attrs["class"] = f"{css} is-invalid".strip()

    class Meta:
        model = ComparableProject
        fields = [
            "name",
            "price",
            "layouts",
            "area",
            "product_form",
            "environment",
            "selling_points",
            "sales_status",
        ]


class ComparableRows(forms.BaseInlineFormSet):
    """The table as posted must be the report's own rows, each once, then new ones.

    Another window may have deleted a row, and the hidden counts and ids can be
    tampered with; Django would then fail on the missing row, or save an existing
    row again as a new one, or drop its changes. The whole table is refused instead.
    """

    rows_changed = _(
        "The rows of the comparable-projects table are not those of the report: it was "
        "changed in another window, or the page is incomplete. Nothing was saved: reload "
        "the page and try again."
    )

    def clean(self) -> None:
        super().clean()
        existing = {row.pk for row in self.get_queryset()}
        initial = self.forms[: max(self.initial_form_count(), 0)]
        shown = [form.instance.pk for form in initial if not form.instance._state.adding]
        pk_name = self.model._meta.pk.name
        new_with_id = any(
            form.data.get(form.add_prefix(pk_name)) not in (None, "")
            for form in self.forms[len(initial) :]
        )
        if (
            self.initial_form_count() != len(existing)
            or len(shown) != len(initial)
            or len(set(shown)) != len(shown)
            or new_with_id
        ):
            raise forms.ValidationError(self.rows_changed, code="rows_changed")


ComparableFormSet = forms.inlineformset_factory(
    ProposalReport,
    ComparableProject,
    form=ComparableForm,
    formset=ComparableRows,
    extra=2,
    max_num=30,
    validate_max=True,
    can_delete=True,
)
