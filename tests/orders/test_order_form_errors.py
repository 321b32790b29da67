"""Bad input on the order contract form: a clear error on the field, nothing
saved, never a server error."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import DeliveryBatch, Order, OrderLine
from tests.factories import CustomerFactory
from tests.orders.forms_data import order_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LINE = {"product": "Flask", "unit": "pcs", "quantity": "100", "unit_price": "12.50"}
TODAY = timezone.localdate()


def line(**fields: Any) -> dict[str, Any]:
    return {**LINE, **fields}


def batch(**fields: Any) -> dict[str, Any]:
    return {"line": "1", "delivery_date": TODAY + dt.timedelta(days=30), "quantity": "50", **fields}


# (what is wrong, lines, batches, head, (part, row, field), message)
CASES = [
    (
        "zero quantity",
        [line(quantity="0")],
        [],
        {},
        ("lines", 0, "quantity"),
        "Ensure this value is greater than or equal to 0.01.",
    ),
    (
        "negative quantity",
        [line(quantity="-3")],
        [],
        {},
        ("lines", 0, "quantity"),
        "Ensure this value is greater than or equal to 0.01.",
    ),
    (
        "zero price",
        [line(unit_price="0")],
        [],
        {},
        ("lines", 0, "unit_price"),
        "Ensure this value is greater than or equal to 0.01.",
    ),
    (
        "negative price",
        [line(unit_price="-12.50")],
        [],
        {},
        ("lines", 0, "unit_price"),
        "Ensure this value is greater than or equal to 0.01.",
    ),
    (
        "three decimals in a price",
        [line(unit_price="12.505")],
        [],
        {},
        ("lines", 0, "unit_price"),
        "Ensure that there are no more than 2 decimal places.",
    ),
    (
        "three decimals in a quantity",
        [line(quantity="1.005")],
        [],
        {},
        ("lines", 0, "quantity"),
        "Ensure that there are no more than 2 decimal places.",
    ),
    (
        "a price that is no number",
        [line(unit_price="12,50abc")],
        [],
        {},
        ("lines", 0, "unit_price"),
        "Enter a number.",
    ),
    (
        "a negative tax rate",
        [line(tax_rate="-1")],
        [],
        {},
        ("lines", 0, "tax_rate"),
        "Ensure this value is greater than or equal to 0.",
    ),
    (
        "a delivery date before the order date",
        [LINE],
        [batch(delivery_date=TODAY - dt.timedelta(days=1))],
        {},
        ("batches", 0, "delivery_date"),
        "A delivery date cannot be before the order date.",
    ),
    (
        "a batch for a line not on the order",
        [LINE],
        [batch(line="2")],
        {},
        ("batches", 0, "line"),
        "There is no line 2 on this order.",
    ),
    (
        "a batch of zero",
        [LINE],
        [batch(quantity="0")],
        {},
        ("batches", 0, "quantity"),
        "Ensure this value is greater than or equal to 0.01.",
    ),
    (
        "an unknown customer",
        [LINE],
        [],
        {"customer_pk": "999999"},
        ("form", None, "customer"),
        "Select a valid choice. That choice is not one of the available choices.",
    ),
    (
        "an unknown currency",
        [LINE],
        [],
        {"currency": "XYZ"},
        ("form", None, "currency"),
        "Select a valid choice. XYZ is not one of the available choices.",
    ),
    (
        "a deposit over 100 %",
        [LINE],
        [],
        {"deposit_percent": "120"},
        ("form", None, "deposit_percent"),
        "Ensure this value is less than or equal to 100.",
    ),
]


def errors_of(response: Any, part: str, row: int | None, field: str) -> list[str]:
    entry = response.context["entry"]
    if part == "form":
        return entry.form.errors.get(field, [])
    return getattr(entry, part).forms[row].errors.get(field, [])


@pytest.mark.parametrize(
    ("lines", "batches", "head", "where", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_input_gets_a_field_error_and_saves_nothing(
    lines, batches, head, where, message, role_user, client_for
):
    sales = role_user("sales")
    head = dict(head)
    customer = head.pop("customer_pk", None) or CustomerFactory()
    data = order_post(customer, sales, lines=lines, batches=batches, **head)

    response = client_for(sales).post(reverse("orders:order_create"), data)

    assert response.status_code == 400
    assert message in errors_of(response, *where)
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()
    assert not DeliveryBatch.objects.exists()


def test_batches_of_a_line_may_not_add_up_to_more_than_the_line(role_user, client_for):
    sales = role_user("sales")
    data = order_post(
        CustomerFactory(), sales, lines=[LINE], batches=[batch(quantity="60"), batch(quantity="41")]
    )

    response = client_for(sales).post(reverse("orders:order_create"), data)

    assert response.status_code == 400
    assert list(response.context["entry"].batches.non_form_errors()) == [
        "The batches of line 1 add up to 101, more than its quantity 100."
    ]
    assert not Order.objects.exists()


def test_an_order_needs_a_line(role_user, client_for):
    sales = role_user("sales")
    data = order_post(CustomerFactory(), sales, lines=[{k: "" for k in LINE}])

    response = client_for(sales).post(reverse("orders:order_create"), data)

    assert response.status_code == 400
    assert list(response.context["entry"].lines.non_form_errors()) == [
        "Please submit at least 1 form."
    ]
    assert not Order.objects.exists()


@pytest.mark.parametrize("broken", ["lines-TOTAL_FORMS", "batches-TOTAL_FORMS"])
def test_a_form_without_its_row_counts_is_refused_not_a_server_error(broken, role_user, client_for):
    sales = role_user("sales")
    data = order_post(CustomerFactory(), sales)
    del data[broken]

    response = client_for(sales).post(reverse("orders:order_create"), data)

    assert response.status_code == 400
    assert not Order.objects.exists()


def test_an_inactive_customer_cannot_be_chosen(role_user, client_for):
    sales = role_user("sales")
    data = order_post(CustomerFactory(active=False), sales)

    response = client_for(sales).post(reverse("orders:order_create"), data)

    assert response.status_code == 400
    assert response.context["entry"].form.errors["customer"]
    assert not Order.objects.exists()
