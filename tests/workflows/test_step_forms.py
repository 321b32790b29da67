"""Step forms declared as the record's own fields: ``step(fields=[...],
required=[...], not_in_past=[...])`` and a model's ``create_form`` are built by
the engine into ModelForms (once per declaration), with its date picker, its
text areas, the model's own widgets and the owner picker."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ImproperlyConfigured

from tests.factories import CustomerFactory, UserFactory, in_days
from tests.testflows.forms import ConsultForm, RedoForm
from tests.testflows.kit import JobFactory, ReviewFactory
from tests.testflows.models import Job, Review
from workflows.declarations import FormFields, Step, form_fields, step
from workflows.forms import (
    TEXTAREA_ROWS,
    DateInput,
    StepModelForm,
    create_form_class,
    form_class_of,
    model_form_class,
    transition_form,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def required_of(form: forms.BaseForm) -> dict[str, bool]:
    return {name: field.required for name, field in form.fields.items()}


# --- A step's fields become a ModelForm --------------------------------------------------


def test_a_steps_fields_become_a_model_form_of_exactly_those_fields():
    form_class = form_class_of(Job.step_of("schedule"))

    assert issubclass(form_class, StepModelForm)
    assert form_class._meta.model is Job
    assert form_class._meta.fields == ["quantity", "due_date", "plan"]
    assert form_class.__name__ == "JobScheduleForm"
    # Blank on the model, required by the step; the quantity is required by the model.
    assert required_of(form_class()) == {
        "quantity": True,
        "due_date": True,
        "plan": True,
    }


def test_fields_the_step_does_not_require_stay_as_the_model_allows():
    form = form_class_of(Job.step_of("accept"))()

    assert required_of(form) == {"feedback": False, "received_on": False}


def test_the_form_class_is_built_once_per_step():
    step_ = Job.step_of("outsource")

    assert form_class_of(step_) is form_class_of(step_)
    assert form_class_of(step_) is not form_class_of(Job.step_of("reject"))


def test_dates_get_the_date_picker_and_text_areas_the_engines_rows():
    form = form_class_of(Job.step_of("schedule"))()

    assert isinstance(form.fields["due_date"].widget, DateInput)
    assert 'type="date"' in str(form["due_date"])
    plan = form.fields["plan"].widget
    assert isinstance(plan, forms.Textarea)
    assert plan.attrs["rows"] == TEXTAREA_ROWS == 3
    assert plan.attrs["maxlength"] == "4000"


def test_the_models_form_widgets_replace_the_engines():
    form = form_class_of(Review.step_of("consult"))()
    other = form_class_of(Job.step_of("schedule"))()  # Job names no widget for its plan

    assert isinstance(form.fields["priority"].widget, forms.RadioSelect)
    assert form.fields["summary"].widget.attrs["rows"] == 4
    assert other.fields["plan"].widget.attrs["rows"] == TEXTAREA_ROWS


def test_the_form_edits_the_record_it_is_given():
    record = JobFactory()
    data = {"quantity": "7", "due_date": in_days(4).isoformat(), "plan": "Cut, sew"}

    form = transition_form(Job.step_of("schedule"), record, data=data)

    assert form.is_valid(), form.errors
    assert form.instance is record
    form.save()
    record.refresh_from_db()
    assert (record.quantity, record.due_date, record.plan) == (7, in_days(4), "Cut, sew")


def test_a_date_the_step_declares_not_in_past_refuses_yesterday_and_takes_today():
    step_ = Job.step_of("outsource")
    record = JobFactory(state="working")

    past = transition_form(step_, record, data={"return_date": in_days(-1).isoformat()})
    today = transition_form(step_, record, data={"return_date": in_days(0).isoformat()})

    assert not past.is_valid()
    assert past.errors["return_date"] == ["This date is in the past."]
    assert today.is_valid(), today.errors


def test_a_date_not_declared_not_in_past_may_be_in_the_past():
    form = transition_form(
        Job.step_of("accept"),
        None,
        data={"feedback": "Fine.", "received_on": in_days(-3).isoformat()},
    )

    assert form.is_valid(), form.errors


def test_a_step_may_build_its_fields_on_a_form_with_its_own_validation():
    record = ReviewFactory(deadline=in_days(20))
    step_ = Review.step_of("consult")
    data = {
        "summary": "Three options.",
        "priority": "high",
        "opinions_due": in_days(21).isoformat(),
    }

    form = transition_form(step_, record, data=data)

    assert issubclass(form_class_of(step_), ConsultForm)
    assert form_class_of(step_)._meta.fields == ["summary", "priority", "opinions_due"]
    assert not form.is_valid()
    assert form.errors["opinions_due"] == [
        f"The opinions must be due before the review's deadline ({in_days(20).isoformat()})."
    ]
    assert form.fields["summary"].widget.attrs["rows"] == 4


def test_a_step_with_a_form_of_its_own_and_no_fields_keeps_it():
    assert form_class_of(Job.step_of("redo")) is RedoForm
    assert form_class_of(Job.step_of("start")) is None


def test_the_engine_adds_the_comment_and_the_attachment_to_the_built_form():
    form = transition_form(Job.step_of("accept"), None)

    assert list(form.fields) == ["feedback", "received_on", "comment", "attachment"]
    assert form.fields["comment"].required is False


# --- Declarations that cannot work fail when the models load ------------------------------


def test_required_or_not_in_past_without_fields_is_refused():
    with pytest.raises(ValueError, match="fields="):
        step(label="Odd", roles=["sales"], required=["due_date"])


def test_required_must_name_one_of_the_forms_fields():
    with pytest.raises(ValueError, match=r"required names fields the form does not have: \['x'\]"):
        step(label="Odd", roles=["sales"], fields=["due_date"], required=["x"])


def test_a_field_the_model_does_not_have_is_refused_at_binding():
    odd = step(label="Odd", roles=["sales"], fields=["due_date", "colour"])["workflow_step"]

    with pytest.raises(ImproperlyConfigured, match="Job has no field 'colour'"):
        odd.bind(Job, "odd")


def test_a_field_the_engine_sets_is_not_editable_in_a_form():
    odd = step(label="Odd", roles=["sales"], fields=["rework_count"])["workflow_step"]

    with pytest.raises(ImproperlyConfigured, match=r"Job.rework_count is not an editable field"):
        odd.bind(Job, "odd")


def test_one_step_with_fields_cannot_serve_two_transitions():
    shared: Step = step(label="Shared", roles=["sales"], fields=["due_date"])["workflow_step"]
    shared.bind(Job, "first")
    shared.bind(Job, "first")  # the same transition again (another source): fine

    with pytest.raises(ImproperlyConfigured, match="each transition needs its own"):
        shared.bind(Review, "second")


def test_an_unbound_step_with_fields_says_so():
    loose = step(label="Loose", roles=["sales"], fields=["due_date"])["workflow_step"]

    with pytest.raises(ImproperlyConfigured, match="not bound"):
        form_class_of(loose)


def test_a_base_form_must_be_a_step_model_form():
    spec = form_fields(["due_date"])

    with pytest.raises(ImproperlyConfigured, match="must subclass"):
        model_form_class(Job, spec, forms.ModelForm)


# --- The creation form ------------------------------------------------------------------


def test_the_creation_form_is_the_models_declared_fields():
    form_class = create_form_class(Job)

    assert isinstance(Job.create_form, FormFields)
    assert form_class._meta.fields == [
        "kind",
        "customer",
        "requester",
        "title",
        "quantity",
        "details",
        "due_date",
    ]
    assert create_form_class(Job) is form_class
    form = form_class()
    # A label of this form only; the widgets the model declares; the engine's rows.
    assert form.fields["due_date"].label == "requested due date"
    assert form.fields["details"].widget.attrs["rows"] == 2
    step_form = form_class_of(Job.step_of("schedule"))()
    assert step_form.fields["due_date"].label == "Due date"
    assert step_form.fields["plan"].widget.attrs["rows"] == TEXTAREA_ROWS


def test_the_creation_form_offers_the_declared_choices_and_the_owner_roles_members():
    active, inactive = CustomerFactory(), CustomerFactory(active=False)
    seller, retired = UserFactory(roles=["sales"]), UserFactory(roles=["sales"], is_active=False)
    other = UserFactory(roles=["qa"])

    job_form = create_form_class(Job)()
    # The same fields declared without a limit offer every customer.
    unlimited_form = model_form_class(Job, form_fields(["customer", "requester"]))()

    assert set(job_form.fields["customer"].queryset) == {active}
    assert set(unlimited_form.fields["customer"].queryset) == {active, inactive}
    for form in (job_form, unlimited_form):
        assert set(form.fields["requester"].queryset) == {seller}
        assert not {retired, other} & set(form.fields["requester"].queryset)


def test_the_creation_form_refuses_what_it_does_not_offer():
    seller = UserFactory(roles=["sales"])
    data = {
        "kind": "standard",
        "customer": CustomerFactory(active=False).pk,
        "requester": UserFactory(roles=["qa"]).pk,
        "title": "Kettle",
        "quantity": "1",
        "details": "Blue",
        "due_date": in_days(-1).isoformat(),
    }

    form = create_form_class(Job)(data)

    assert not form.is_valid()
    assert set(form.errors) == {"customer", "requester", "due_date"}
    assert form.errors["due_date"] == ["This date is in the past."]
    fixed = {**data, "customer": CustomerFactory().pk, "requester": seller.pk}
    assert create_form_class(Job)({**fixed, "due_date": in_days(1).isoformat()}).is_valid()


def test_a_model_without_a_creation_form_has_none(monkeypatch):
    monkeypatch.setattr(Review, "create_form", None)

    assert create_form_class(Review) is None
