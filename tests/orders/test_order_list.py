"""The order list's own filters: the total's range, the order date's range,
customer and currency; a filter value that is no amount or date lists
nothing rather than failing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from tests.orders.kit import OrderFactory, add_line
from tests.workflow_checks import refs

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def orders():
    today = timezone.localdate()
    small = OrderFactory()  # 1,412.50
    large = OrderFactory()
    add_line(large, quantity=Decimal("1000"), unit_price=Decimal("100"))  # + 113,000.00
    old = OrderFactory(order_date=today - dt.timedelta(days=40), currency="USD")
    return small, large, old


def test_the_list_filters_by_total_order_date_customer_and_currency(orders, role_user, client_for):
    small, large, old = orders
    client = client_for(role_user("finance"))
    url = reverse("orders:order_list")
    today = timezone.localdate()

    assert refs(client.get(url, {"total_min": "2000"})) == {large.reference}
    assert refs(client.get(url, {"total_max": "1412.50"})) == {small.reference, old.reference}
    assert refs(client.get(url, {"total_min": "1412.50", "total_max": "1412.50"})) == {
        small.reference,
        old.reference,
    }
    month_ago = (today - dt.timedelta(days=30)).isoformat()
    assert refs(client.get(url, {"ordered_from": month_ago})) == {small.reference, large.reference}
    assert refs(client.get(url, {"ordered_to": month_ago})) == {old.reference}
    assert refs(client.get(url, {"customer": large.customer_id})) == {large.reference}
    assert refs(client.get(url, {"currency": "USD"})) == {old.reference}
    assert refs(client.get(url, {"q": large.customer.name})) == {large.reference}


@pytest.mark.parametrize(
    "query",
    [
        {"total_min": "abc"},
        {"total_max": "-1"},
        {"total_min": "1e999"},
        {"ordered_from": "2026-13-45"},
        {"currency": "XYZ"},
    ],
)
def test_a_filter_value_that_is_no_amount_or_date_lists_nothing(
    orders, query, role_user, client_for
):
    response = client_for(role_user("sales")).get(reverse("orders:order_list"), query)

    assert response.status_code == 200
    assert refs(response) == set()
    assert response.context["filter"].errors
    assert Order.objects.count() == 3
