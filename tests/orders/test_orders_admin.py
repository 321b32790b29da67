"""The admin shows the rows a process's steps write on their record's page,
read-only: a return's lines and credit note, a supply's items, a change's
proposed lines and an order's revisions. Only the process changes them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import CreditNote, Invoice
from tests.factories import in_days
from tests.orders.change_kit import ChangeFactory
from tests.orders.kit import InvoiceFactory
from tests.orders.return_kit import ReturnFactory
from tests.orders.supply_kit import SupplyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def manager(role_user):
    user = role_user("marketing_manager")
    user.is_staff = True
    user.save()
    return user


def test_a_returns_lines_and_credit_note_show_read_only(manager, client_for):
    record = ReturnFactory(quantity=Decimal("3"))
    invoice = InvoiceFactory(order=record.order)
    CreditNote.objects.create(
        customer_return=record,
        invoice=invoice,
        number="CN-7788",
        issued_on=in_days(0),
        amount=Decimal("42.38"),
        issued_by=manager,
    )
    page = client_for(manager).get(reverse("admin:orders_customerreturn_change", args=[record.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "CN-7788" in text and "42.38" in text
    assert 'name="lines-0-quantity"' not in text and 'name="credit_note-0-number"' not in text
    assert "Return lines" in text or "return lines" in text.lower()
    assert Invoice.objects.get(pk=invoice.pk).credited_amount == 0  # nothing written


def test_a_supplys_items_and_a_changes_lines_show_read_only(manager, client_for, walker):
    supply = SupplyFactory()
    client = client_for(manager)
    page = client.get(reverse("admin:orders_customersupply_change", args=[supply.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "DWG-7731" in text and "P-0042" in text
    assert 'name="items-0-number"' not in text

    change = ChangeFactory(state="customer")
    walker.take(
        change,
        "change_apply",
        {
            "customer_confirmed_by": "Mr. Huang",
            "customer_confirmed_on": in_days(0),
            "customer_confirmed_via": "Email",
        },
    )
    page = client.get(reverse("admin:orders_contractchange_change", args=[change.pk]))
    assert page.status_code == 200
    assert "13.00" in page.content.decode()
    assert 'name="lines-0-unit_price"' not in page.content.decode()
    page = client.get(reverse("admin:orders_order_change", args=[change.order_id]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Contract change " + change.reference in text  # Rev A's note


def test_the_admin_pages_follow_the_records_read_check(role_user, client_for):
    stranger = role_user("creative")  # staff, without a role in returns
    stranger.is_staff = True
    stranger.save()
    record = ReturnFactory()
    page = client_for(stranger).get(reverse("admin:orders_customerreturn_change", args=[record.pk]))
    assert page.status_code in (302, 403, 404)
