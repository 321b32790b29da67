"""The order contract form's pages (create, change before the review, who may),
the printouts, the customers' pages, and query bounds that do not grow with
an order's lines or a customer's records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import (
    ContractChange,
    Customer,
    CustomerReturn,
    DeliveryBatch,
    Invoice,
    Order,
    ShippingNotice,
)
from samples.models import Board
from tests.factories import CustomerFactory
from tests.kits import snapshot
from tests.orders.forms_data import order_post
from tests.orders.kit import OrderFactory, add_line
from tests.samples.kit import BoardFactory, SampleOrderFactory
from tests.workflow_checks import STALE, get_within_queries, messages_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LINES = [
    {"product": "Flask", "spec": "VF-500", "unit": "pcs", "quantity": "100", "unit_price": "12.50"},
    {"product": "Lid", "unit": "pcs", "quantity": "100", "unit_price": "1.20", "tax_rate": "6"},
]


def in_a_month() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=30)


@pytest.mark.parametrize("role", ["sales", "sales_assistant"])
def test_sales_and_the_order_follower_record_an_order_with_lines_and_batches(
    role, role_user, client_for
):
    user = role_user(role)
    sales = role_user("sales")
    customer = CustomerFactory(deposit_percent=Decimal("30"), payment_days=45)
    batches = [
        {"line": "1", "delivery_date": in_a_month(), "quantity": "60"},
        {"line": "1", "delivery_date": in_a_month() + dt.timedelta(days=7), "quantity": "40"},
        {"line": "2", "delivery_date": in_a_month(), "quantity": "100"},
    ]
    data = order_post(customer, sales, lines=LINES, batches=batches, payment_days="")
    client = client_for(user)
    assert client.get(reverse("orders:order_create")).status_code == 200

    response = client.post(reverse("orders:order_create"), data)

    assert response.status_code == 302, response.content[:3000]
    order = Order.objects.get()
    assert (order.state, order.salesperson, order.created_by) == ("received", sales, user)
    # 1,250.00 + 162.50 and 120.00 + 7.20
    assert (order.subtotal, order.tax_total, order.total) == (
        Decimal("1370.00"),
        Decimal("169.70"),
        Decimal("1539.70"),
    )
    # Both terms left empty: the customer's default terms.
    assert (order.deposit_percent, order.payment_days) == (Decimal("30"), 45)
    assert [(b.line.position, b.quantity) for b in order.batches.order_by("pk")] == [
        (1, Decimal("60")),
        (1, Decimal("40")),
        (2, Decimal("100")),
    ]
    page = client.get(order.get_absolute_url()).content.decode()
    assert "1,539.70" in page and "30% deposit, 45 days after invoice" in page


def test_roles_that_do_not_take_orders_may_not_record_one(role_user, client_for):
    data = order_post(CustomerFactory(), role_user("sales"))
    for role in ("qa", "finance", "tech"):
        client = client_for(role_user(role))
        assert client.get(reverse("orders:order_create")).status_code == 403
        assert client.post(reverse("orders:order_create"), data).status_code == 403
    assert not Order.objects.exists()


def test_the_salesperson_changes_the_order_before_checking_and_the_lines_are_recomputed(
    role_user, client_for
):
    sales = role_user("sales")
    order = OrderFactory(salesperson=sales)
    client = client_for(sales)
    page = client.get(reverse("orders:order_edit", args=[order.pk]))
    assert page.status_code == 200
    assert page.context["entry"].lines.forms[0].initial["unit_price"] == Decimal("12.50")

    data = order_post(
        order.customer,
        sales,
        lines=[{**LINES[0], "quantity": "200"}],
        batches=[{"line": "1", "delivery_date": in_a_month(), "quantity": "200"}],
        _seq=order.step_seq,
    )
    response = client.post(reverse("orders:order_edit", args=[order.pk]), data)

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.subtotal, order.total, order.state) == (
        Decimal("2500.00"),
        Decimal("2825.00"),
        "received",
    )
    assert order.lines.get().quantity == Decimal("200")
    assert DeliveryBatch.objects.filter(order=order).count() == 1


def test_an_order_under_review_or_someone_elses_cannot_be_changed(role_user, client_for):
    sales = role_user("sales")
    reviewed = OrderFactory(salesperson=sales, state="contract_review")
    theirs = OrderFactory()
    for order, user in [(reviewed, sales), (theirs, sales), (theirs, role_user("qa"))]:
        before = snapshot(order)
        client = client_for(user)
        data = order_post(order.customer, order.salesperson, _seq=order.step_seq)
        assert client.get(reverse("orders:order_edit", args=[order.pk])).status_code == 403
        assert client.post(reverse("orders:order_edit", args=[order.pk]), data).status_code == 403
        assert snapshot(order) == before


def test_a_change_from_a_stale_page_is_refused(role_user, client_for, advance):
    follower = role_user("sales_assistant")
    order = OrderFactory(state="checking")
    shown = order.step_seq
    order = advance.take(order, "send_back", {"unclear_points": "Colour?"})
    order = advance.take(order, "submit")
    before = snapshot(order)

    data = order_post(order.customer, order.salesperson, _seq=shown)
    response = client_for(follower).post(
        reverse("orders:order_edit", args=[order.pk]), data, follow=True
    )

    assert STALE in messages_of(response)[0]
    assert snapshot(order) == before


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_printouts_speak_the_seeds_words(language, advance, role_user, client_for):
    order = advance(OrderFactory(), "in_production")
    client = client_for(role_user("pmc"), language=language)
    words = {
        "orders:order_print": ("订购合同单", "Order contract form"),
        "orders:order_print_internal": ("内部订单", "Internal order"),
        "orders:order_print_work_order": ("生产工单", "Production work order"),
    }
    for name, (chinese, english) in words.items():
        response = client.get(reverse(name, args=[order.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        assert (chinese if language == "zh-hans" else english) in html, name
        assert "Vacuum flask" in html or "vacuum flask" in html
    work_order = client.get(reverse("orders:order_print_work_order", args=[order.pk]))
    assert order.work_order_no in work_order.content.decode()


def test_printouts_are_for_those_who_may_read_the_order(role_user, client_for):
    order = OrderFactory()
    for name in ("order_print", "order_print_internal", "order_print_work_order"):
        response = client_for(role_user("researcher")).get(
            reverse(f"orders:{name}", args=[order.pk])
        )
        assert response.status_code == 403


# --- Customers ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["sales", "sales_assistant"])
def test_sales_create_and_change_a_customer_with_contacts(role, role_user, client_for):
    client = client_for(role_user(role))
    data = {
        "code": "C-900",
        "name": "华南电器有限公司",
        "tax_number": "91440101MA59XXXX1K",
        "bank_name": "中国银行广州分行",
        "bank_account": "6217 0000 1234 5678",
        "credit_limit": "500000.00",
        "deposit_percent": "30",
        "payment_days": "60",
        "active": "on",
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "50",
        "contacts-0-name": "黄先生",
        "contacts-0-title": "采购经理",
        "contacts-0-phone": "020-8888 1234",
    }
    assert client.get(reverse("orders:customer_create")).status_code == 200

    response = client.post(reverse("orders:customer_create"), data)

    assert response.status_code == 302
    customer = Customer.objects.get(code="C-900")
    assert customer.credit_limit == Decimal("500000.00")
    assert [c.name for c in customer.contacts.all()] == ["黄先生"]
    page = client.get(reverse("orders:customer_detail", args=[customer.pk])).content.decode()
    assert "500,000.00" in page and "30% deposit, 60 days after invoice" in page

    data.update({"credit_limit": "-1", "contacts-INITIAL_FORMS": "0"})
    bad = client.post(reverse("orders:customer_edit", args=[customer.pk]), data)
    assert bad.status_code == 400
    assert bad.context["form"].errors["credit_limit"]
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("500000.00")


def test_finance_reads_customers_and_other_roles_do_not(role_user, client_for):
    customer = CustomerFactory()
    finance = client_for(role_user("finance"))
    assert finance.get(reverse("orders:customer_list")).status_code == 200
    assert finance.get(reverse("orders:customer_detail", args=[customer.pk])).status_code == 200
    assert finance.get(reverse("orders:customer_edit", args=[customer.pk])).status_code == 403
    assert finance.post(reverse("orders:customer_create"), {"code": "X"}).status_code == 403
    for role in ("qa", "researcher"):
        client = client_for(role_user(role))
        assert client.get(reverse("orders:customer_list")).status_code == 403
        assert client.get(reverse("orders:customer_detail", args=[customer.pk])).status_code == 403
    assert Customer.objects.count() == 1


def test_the_customer_page_lists_the_customers_samples_boards_and_orders(role_user, client_for):
    customer = CustomerFactory()
    sales = role_user("sales")
    sample = SampleOrderFactory(customer=customer, salesperson=sales)
    board = BoardFactory(customer=customer, salesperson=sales)
    order = OrderFactory(customer=customer, salesperson=sales)
    elsewhere = OrderFactory()
    colleagues = SampleOrderFactory(customer=customer)  # another salesperson's

    page = client_for(sales).get(reverse("orders:customer_detail", args=[customer.pk]))

    html = page.content.decode()
    for record in (sample, board, order):
        assert record.get_absolute_url() in html
    assert elsewhere.reference not in html
    assert colleagues.reference not in html  # the samples' read scope
    # Finance takes no part in samples, boards or customers' drawings: it sees
    # the orders, their contract changes, shipping notices, invoices and returns only.
    finance = client_for(role_user("finance")).get(
        reverse("orders:customer_detail", args=[customer.pk])
    )
    assert [s["model"] for s in finance.context["sections"]] == [
        Order,
        ContractChange,
        ShippingNotice,
        Invoice,
        CustomerReturn,
    ]
    assert Board.objects.count() == 1


@pytest.mark.parametrize("size", [2, 30])
def test_record_and_customer_pages_make_the_same_queries_however_many_lines_and_records(
    size, role_user, client_for, django_assert_max_num_queries
):
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, lines=size, state="checking")
    for line in list(order.lines.all())[:size]:
        DeliveryBatch.objects.create(
            order=order, line=line, delivery_date=in_a_month(), quantity=Decimal("1")
        )
    for _ in range(size):
        OrderFactory(customer=customer)
        SampleOrderFactory(customer=customer)
    add_line(order)
    client = client_for(role_user("sales_assistant"))

    record, _ = get_within_queries(
        client, order.get_absolute_url(), django_assert_max_num_queries, 19
    )
    listed, _ = get_within_queries(
        client,
        reverse("orders:customer_detail", args=[customer.pk]),
        django_assert_max_num_queries,
        23,  # 12, and the changes', notices', invoices', returns', drawings', complaints' and
        # receivables' 9; the satisfaction surveys' answers by year 2
    )
    printed, _ = get_within_queries(
        client,
        reverse("orders:order_print", args=[order.pk]),
        django_assert_max_num_queries,
        16,  # 12, the admin's history in the timeline and the signature lines' takers
    )
    customers, _ = get_within_queries(
        client, reverse("orders:customer_list"), django_assert_max_num_queries, 9
    )

    assert len(record.context["lines"]) == size + 1
    assert len(record.context["batches"]) == size
    assert len(printed.context["lines"]) == size + 1
    sections = {s["model"].__name__: len(s["records"]) for s in listed.context["sections"]}
    assert sections["Order"] == size + 1
    assert sections["SampleOrder"] == size
    assert len(customers.context["customers"]) == min(Customer.objects.count(), 25)
