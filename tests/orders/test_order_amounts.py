"""Every amount of an order is computed on the server from its lines, rounded
half-up to the cent, and shown with thousands separators; amounts posted with
the form are ignored."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order, OrderLine, money
from tests.factories import CustomerFactory
from tests.orders.forms_data import order_post
from tests.orders.kit import OrderFactory, add_line

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        ("0.005", "0.01"),  # half-up, where banker's rounding gives 0.00
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # banker's rounding gives 0.02
        ("2.675", "2.68"),
        ("0.0049", "0.00"),
        ("1234567.895", "1234567.90"),
    ],
)
def test_money_rounds_half_up_to_the_cent(value, rounded):
    assert money(Decimal(value)) == Decimal(rounded)


def test_a_lines_amount_and_tax_are_rounded_half_up_and_the_totals_are_their_sums():
    order = OrderFactory(lines=0)
    # 0.50 × 0.01 = 0.005 → 0.01; tax 50 % of 0.01 = 0.005 → 0.01
    first = add_line(order, quantity=Decimal("0.50"), unit_price=Decimal("0.01"), tax_rate=50)
    # 3 × 0.35 = 1.05; tax 13 % = 0.1365 → 0.14
    second = add_line(order, quantity=Decimal("3"), unit_price=Decimal("0.35"), tax_rate=13)
    # 7 × 1,234,567.89 = 8,641,975.23; tax 6 % = 518,518.5138 → 518,518.51
    third = add_line(order, quantity=Decimal("7"), unit_price=Decimal("1234567.89"), tax_rate=6)

    assert (first.amount, first.tax_amount) == (Decimal("0.01"), Decimal("0.01"))
    assert (second.amount, second.tax_amount) == (Decimal("1.05"), Decimal("0.14"))
    assert (third.amount, third.tax_amount) == (Decimal("8641975.23"), Decimal("518518.51"))
    order.refresh_from_db()
    assert order.subtotal == Decimal("8641976.29")
    assert order.tax_total == Decimal("518518.66")
    assert order.total == Decimal("9160494.95")


def test_amounts_posted_with_the_form_are_ignored(role_user, client_for):
    sales = role_user("sales")
    customer = CustomerFactory()
    data = order_post(
        customer,
        sales,
        lines=[
            {
                "product": "Flask",
                "unit": "pcs",
                "quantity": "3",
                "unit_price": "0.35",
                "amount": "999999",
                "tax_amount": "1",
            },
        ],
        subtotal="1",
        tax_total="1",
        total="1",
    )

    response = client_for(sales).post(reverse("orders:order_create"), data)

    assert response.status_code == 302, response.content[:3000]
    order = Order.objects.get()
    (line,) = order.lines.all()
    assert (line.amount, line.tax_amount) == (Decimal("1.05"), Decimal("0.14"))
    assert (order.subtotal, order.tax_total, order.total) == (
        Decimal("1.05"),
        Decimal("0.14"),
        Decimal("1.19"),
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_amounts_are_shown_with_thousands_separators(language, role_user, client_for):
    order = OrderFactory(lines=0)
    add_line(order, quantity=Decimal("1000"), unit_price=Decimal("1234.56"), tax_rate=13)
    client = client_for(role_user("sales_assistant"), language=language)

    page = client.get(order.get_absolute_url()).content.decode()
    listed = client.get(reverse("orders:order_list")).content.decode()
    printed = client.get(reverse("orders:order_print", args=[order.pk])).content.decode()

    # 1,234,560.00 + 13 % tax 160,492.80 = 1,395,052.80
    for html in (page, printed):
        assert "1,234,560.00" in html
        assert "160,492.80" in html
        assert "1,395,052.80" in html
    assert "1,395,052.80" in listed
    assert OrderLine.objects.filter(order=order).count() == 1
