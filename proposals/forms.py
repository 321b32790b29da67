from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.forms import StepModelForm

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


class ComparableForm(forms.ModelForm):
    """One row of the comparable-projects table (labels are the table's head)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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
        # added the row's own fields (id, DELETE).
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"

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


ComparableFormSet = forms.inlineformset_factory(
    ProposalReport,
    ComparableProject,
    form=ComparableForm,
    extra=2,
    max_num=30,
    validate_max=True,
    can_delete=True,
)
