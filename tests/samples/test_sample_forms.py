"""The samples' forms as declared: the work order's fields, the creation
forms of samples and boards, and the re-order's form of its own."""

from __future__ import annotations

import pytest

from samples.forms import ReorderForm
from samples.models import Board, SampleOrder
from tests.factories import CustomerFactory, UserFactory
from workflows.declarations import FormFields
from workflows.forms import TEXTAREA_ROWS, StepModelForm, create_form_class, form_class_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_the_work_order_is_its_declared_fields_all_required():
    form_class = form_class_of(SampleOrder.step_of("issue_work_order"))

    assert issubclass(form_class, StepModelForm)
    assert form_class._meta.fields == ["quantity", "due_date", "production_plan"]
    assert {n: f.required for n, f in form_class().fields.items()} == {
        "quantity": True,
        "due_date": True,
        "production_plan": True,
    }
    assert form_class().fields["production_plan"].widget.attrs["rows"] == TEXTAREA_ROWS


def test_the_customers_approval_asks_only_for_their_optional_feedback():
    form = form_class_of(SampleOrder.step_of("approve"))()

    assert {n: f.required for n, f in form.fields.items()} == {"customer_feedback": False}


def test_the_re_order_and_the_production_start_keep_their_forms():
    assert form_class_of(SampleOrder.step_of("reorder")) is ReorderForm
    assert form_class_of(SampleOrder.step_of("start_production")) is None


def test_the_sample_creation_form_is_its_declared_fields():
    form_class = create_form_class(SampleOrder)

    assert isinstance(SampleOrder.create_form, FormFields)
    assert form_class._meta.fields == [
        "customer",
        "salesperson",
        "product_name",
        "product_code",
        "quantity",
        "requirements",
        "materials",
        "due_date",
    ]
    form = form_class()
    assert form.fields["due_date"].label == "requested due date"
    assert form.fields["materials"].widget.attrs["rows"] == 2
    assert form.fields["requirements"].widget.attrs["rows"] == TEXTAREA_ROWS


def test_a_sample_is_for_an_active_customer_a_board_for_any_and_both_for_a_seller():
    active, inactive = CustomerFactory(), CustomerFactory(active=False)
    seller, retired = UserFactory(roles=["sales"]), UserFactory(roles=["sales"], is_active=False)
    other = UserFactory(roles=["qa"])

    sample_form = create_form_class(SampleOrder)()
    board_form = create_form_class(Board)()

    assert set(sample_form.fields["customer"].queryset) == {active}
    assert set(board_form.fields["customer"].queryset) == {active, inactive}
    for form in (sample_form, board_form):
        assert set(form.fields["salesperson"].queryset) == {seller}
        assert not {retired, other} & set(form.fields["salesperson"].queryset)
