"""The complaints' forms beyond their model fields: the D1–D3 step with its
team and the containment a severity requires, the 5-Why without gaps, and a
corrective or preventive action (another record, so not the complaint's
fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateInput, StepModelForm, UserChoiceField, date_limits, label_users
from workflows.roles import user_label
from workflows.validators import FUTURE_DATE

from .models import ACTION_ROLES, CONTAINED_SEVERITIES, TEAM_ROLES, Complaint, ComplaintAction


def department_members(roles: tuple[str, ...] = TEAM_ROLES) -> Any:
    """Active users of the departments that investigate and act."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=roles)
        .distinct()
        .order_by("username")
    )


class TeamChoiceField(forms.ModelMultipleChoiceField):
    """People by full name; one member given alone counts as a list of one."""

    def label_from_instance(self, obj: Any) -> str:
        return user_label(obj)

    def clean(self, value: Any) -> Any:
        if value not in self.empty_values and not isinstance(value, list | tuple):
            value = [value]
        return super().clean(value)


class ProblemForm(StepModelForm):
    """D1 team, D2 problem, D3 containment. Containment (what, who, done
    when) is required for a critical or major complaint."""

    team = TeamChoiceField(
        label=_("D1 team"),
        queryset=get_user_model().objects.none(),
        help_text=_("Users from the departments involved; each is told."),
        widget=forms.CheckboxSelectMultiple,
    )

    CONTAINMENT = ("containment", "containment_owner", "containment_done_on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = department_members()
        label_users(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.severity in CONTAINED_SEVERITIES:
            for name in self.CONTAINMENT:
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(
                        name,
                        _(
                            "Containment is required before a critical or major complaint "
                            "can go further."
                        ),
                    )
        return cleaned


class RootCauseForm(StepModelForm):
    """D4: each 5-Why is a chain, so no "why" may be left empty between two
    filled ones."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for kind in ("occurrence", "escape"):
            names = [f"{kind}_why{i}" for i in range(1, 6)]
            filled = [bool((cleaned.get(n) or "").strip()) for n in names]
            last = max((i for i, f in enumerate(filled) if f), default=-1)
            for i in range(last):
                if not filled[i] and names[i] not in self.errors:
                    self.add_error(
                        names[i],
                        _("Answer this “why” too: the chain may not skip one."),
                    )
        return cleaned


class ActionForm(forms.ModelForm):
    """A corrective or preventive action: what, who, and by when. Its due date
    may not be before the complaint was received. A form on the complaint
    (the engine passes the locked record) with none of its fields: the action
    is another record, which the step's effect opens."""

    class Meta:
        model = Complaint
        fields: tuple[str, ...] = ()

    kind = forms.ChoiceField(label=_("kind"), choices=ComplaintAction.Kind.choices)
    action = forms.CharField(
        label=_("action"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = UserChoiceField(label=_("owner"), queryset=get_user_model().objects.none())
    due_date = forms.DateField(label=_("due by"), widget=DateInput(), validators=FUTURE_DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.complaint = self.instance
        self.fields["owner"].queryset = department_members(ACTION_ROLES)
        attrs = self.fields["due_date"].widget.attrs
        attrs.update(date_limits(FUTURE_DATE))
        if self.instance.received_on:
            attrs["min"] = self.instance.received_on.isoformat()

    def clean_due_date(self) -> Any:
        due = self.cleaned_data["due_date"]
        received = getattr(self.complaint, "received_on", None)
        if received and due < received:
            raise forms.ValidationError(
                _("An action cannot be due before the complaint was received (%(day)s).")
                % {"day": received.isoformat()}
            )
        return due
