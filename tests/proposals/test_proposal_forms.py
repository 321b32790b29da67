"""The proposals' step forms as declared: the recommendation's widgets and
the research plan's fields built on a form with a check of its own."""

from __future__ import annotations

import pytest
from django import forms

from proposals.forms import ResearchPlanForm
from proposals.models import Proposal
from tests.factories import in_days
from tests.proposals.kit import ProposalFactory
from workflows.forms import TEXTAREA_ROWS, form_class_of, transition_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_the_recommendation_takes_the_proposals_widgets_and_the_engines_rows():
    form = form_class_of(Proposal.step_of("recommend"))()

    assert isinstance(form.fields["recommendation"].widget, forms.RadioSelect)
    assert form.fields["developer_background"].widget.attrs["rows"] == 4
    assert form.fields["recommendation_reason"].widget.attrs["rows"] == TEXTAREA_ROWS


def test_the_research_plan_is_due_before_the_pitch_deadline():
    record = ProposalFactory(state="planning", pitch_deadline=in_days(20))
    step_ = Proposal.step_of("start_research")
    data = {
        "developer_requirements": "Pricing first.",
        "research_plan": "Visit the site.",
        "preliminary_due": in_days(21).isoformat(),
    }

    form = transition_form(step_, record, data=data)

    assert issubclass(form_class_of(step_), ResearchPlanForm)
    assert form_class_of(step_)._meta.fields == [
        "developer_requirements",
        "research_plan",
        "preliminary_due",
    ]
    assert not form.is_valid()
    assert form.errors["preliminary_due"] == [
        f"The preliminary report must be due before the pitch deadline ({in_days(20).isoformat()})."
    ]
    assert form.fields["research_plan"].widget.attrs["rows"] == 4
