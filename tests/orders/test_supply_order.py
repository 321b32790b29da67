"""A record of customer-supplied drawings and products may name the order
it is for, chosen among the orders the user reads, of its customer."""

from __future__ import annotations

import pytest

from orders.models import CustomerSupply
from tests.factories import UserFactory
from tests.orders.kit import OrderFactory
from tests.orders.supply_kit import supply_create_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NEW = "/orders/supplies/new/"


def test_the_creation_form_links_an_order_the_user_reads(role_user, client_for):
    sales = role_user("sales")
    mine = OrderFactory(salesperson=sales)
    others = OrderFactory(salesperson=UserFactory(roles=["sales"]))
    client = client_for(sales)
    form = client.get(NEW).context["form"]
    assert list(form.fields["order"].queryset) == [mine]
    assert not form.fields["order"].required

    data = {**supply_create_data(sales), "customer": mine.customer_id, "order": mine.pk}
    response = client.post(NEW, data)
    assert response.status_code == 302
    assert CustomerSupply.objects.get().order == mine

    # An order the user does not read is refused as a field error.
    data = {**supply_create_data(sales), "customer": others.customer_id, "order": others.pk}
    response = client.post(NEW, data)
    assert response.status_code == 400
    assert response.context["form"].errors["order"]
    assert CustomerSupply.objects.count() == 1


def test_an_order_of_another_customer_is_a_field_error(role_user, client_for):
    sales = role_user("sales")
    order = OrderFactory(salesperson=sales)
    client = client_for(sales)
    data = {**supply_create_data(sales), "order": order.pk}  # a new customer
    response = client.post(NEW, data)
    assert response.status_code == 400
    assert response.context["form"].errors["order"] == [
        "This order is another customer's: choose one of the customer's."
    ]
    assert not CustomerSupply.objects.exists()


def test_without_an_order_the_record_is_made_as_before(role_user, client_for):
    sales = role_user("sales")
    response = client_for(sales).post(NEW, supply_create_data(sales))
    assert response.status_code == 302
    assert CustomerSupply.objects.get().order is None
