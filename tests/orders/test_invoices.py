"""Invoices and payments: amounts and due dates computed on the server,
payments never more than owed nor in the future, the invoice and the order
paid when nothing is owed, the follow-up's contact log and schedule, and
receivables in ageing buckets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Invoice, Order, Payment, ShippingNotice
from orders.receivables import ageing
from orders.services import invoices_overdue_note
from tests.factories import CustomerFactory, UserFactory, in_days
from tests.orders.kit import InvoiceFactory, NoticeFactory, OrderFactory
from tests.workflow_checks import get_within_queries, step_url
from workflows.models import Notification, admin_history
from workflows.schedules import schedule_named

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def pay(client: Any, invoice: Invoice, amount: str, paid_on: dt.date | None = None) -> Any:
    return client.post(
        step_url(invoice, "record_payment"),
        {
            "_seq": invoice.step_seq,
            "record_payment-paid_on": (paid_on or in_days(0)).isoformat(),
            "record_payment-amount": amount,
            "record_payment-comment": "",
        },
    )


def test_finance_invoices_a_shipped_batch_with_the_amount_and_due_date_of_the_server(
    role_user, client_for
):
    order = OrderFactory(state="shipping", payment_days=45)
    notice = NoticeFactory(order=order, state="shipped")
    client = client_for(role_user("finance"))

    response = client.post(
        reverse("orders:invoice_create"),
        {
            "order": order.pk,
            "notice": notice.pk,
            "invoice_no": "44030001",
            "invoice_date": in_days(-1).isoformat(),
            "amount": "999999",
        },
    )

    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert invoice.amount == notice.amount == Decimal("141.25")
    assert invoice.due_date == in_days(44)
    assert (invoice.customer_id, invoice.salesperson_id) == (
        order.customer_id,
        order.salesperson_id,
    )
    # The step's deadline is the due date: the scan reminds before and after it.
    assert timezone.localtime(invoice.step_due_at).date() == invoice.due_date


def test_an_invoice_for_the_rest_of_the_order_takes_what_no_invoice_holds(role_user, client_for):
    order = OrderFactory(state="shipped")
    InvoiceFactory(order=order, amount=Decimal("400.00"))
    client = client_for(role_user("finance"))

    client.post(
        reverse("orders:invoice_create"),
        {"order": order.pk, "invoice_no": "44030002", "invoice_date": in_days(0).isoformat()},
    )
    again = client.post(
        reverse("orders:invoice_create"),
        {"order": order.pk, "invoice_no": "44030003", "invoice_date": in_days(0).isoformat()},
    )

    rest = Invoice.objects.get(invoice_no="44030002")
    assert rest.amount == order.total - Decimal("400.00")
    assert again.status_code == 400
    assert "Everything on this order has been invoiced." in again.content.decode()
    assert Invoice.objects.count() == 2


@pytest.mark.parametrize(
    ("amount", "paid_on", "message"),
    [
        ("1412.51", 0, "The balance of this invoice is 1,412.50: a payment cannot be more."),
        ("100", 1, "This date is in the future."),
        ("0", 0, "Ensure this value is greater than or equal to 0.01."),
        ("-3", 0, "Ensure this value is greater than or equal to 0.01."),
        ("10.001", 0, "Ensure that there are no more than 2 decimal places."),
    ],
)
def test_a_payment_over_the_balance_in_the_future_or_malformed_is_refused(
    amount, paid_on, message, role_user, client_for
):
    invoice = InvoiceFactory()
    assert invoice.amount == Decimal("1412.50")

    response = pay(client_for(role_user("finance")), invoice, amount, in_days(paid_on))

    assert response.status_code == 400
    assert message in response.content.decode()
    invoice.refresh_from_db()
    assert (invoice.paid_amount, invoice.state, Payment.objects.count()) == (0, "issued", 0)


def test_part_payments_then_the_last_pays_the_invoice_and_the_order(role_user, client_for):
    order = OrderFactory(state="shipped")
    NoticeFactory(order=order, state="delivered", quantity=Decimal("100"))
    invoice = InvoiceFactory(order=order)
    finance = role_user("finance")
    client = client_for(finance)

    pay(client, invoice, "412.50")
    invoice.refresh_from_db()
    assert (invoice.state, invoice.paid_amount, invoice.balance) == (
        "issued",
        Decimal("412.50"),
        Decimal("1000.00"),
    )
    # Still due on its due date after a part payment.
    assert timezone.localtime(invoice.step_due_at).date() == invoice.due_date
    order.refresh_from_db()
    assert order.state == "shipped"

    pay(client, invoice, "1000.00")
    invoice.refresh_from_db()
    order.refresh_from_db()
    assert (invoice.state, invoice.balance) == ("paid", Decimal("0.00"))
    assert order.state == "paid"
    assert Payment.objects.filter(invoice=invoice).count() == 2


def test_an_invoice_paid_before_everything_shipped_leaves_the_order_shipping(role_user, client_for):
    order = OrderFactory(state="shipping")
    NoticeFactory(order=order, state="shipped", quantity=Decimal("10"))
    invoice = InvoiceFactory(order=order, amount=Decimal("141.25"))

    pay(client_for(role_user("finance")), invoice, "141.25")

    invoice.refresh_from_db()
    order.refresh_from_db()
    assert (invoice.state, order.state) == ("paid", "shipping")


def test_the_salesperson_logs_a_contact_and_a_promise(role_user, client_for):
    invoice = InvoiceFactory()
    response = client_for(invoice.salesperson).post(
        step_url(invoice, "log_contact"),
        {
            "_seq": invoice.step_seq,
            "log_contact-contacted_on": in_days(0).isoformat(),
            "log_contact-how": "phone",
            "log_contact-note": "Called Mr. Huang",
            "log_contact-promised_on": in_days(7).isoformat(),
            "log_contact-comment": "",
        },
    )

    assert response.status_code == 302
    (entry,) = invoice.contacts.all()
    assert (entry.note, entry.promised_on, entry.recorded_by) == (
        "Called Mr. Huang",
        in_days(7),
        invoice.salesperson,
    )
    page = client_for(role_user("finance")).get(invoice.get_absolute_url())
    assert "Called Mr. Huang" in page.content.decode()


def test_the_payment_follow_up_schedule_tells_of_invoices_past_due_once_a_day(role_user):
    finance = role_user("finance")
    overdue = InvoiceFactory(invoice_date=in_days(-40), due_date=in_days(-10))
    InvoiceFactory(due_date=in_days(5))
    schedule = schedule_named("Payment follow-up")
    assert schedule is not None and schedule.job == "orders.services.invoices_overdue_note"
    now = timezone.now()

    told = invoices_overdue_note(now=now, period=schedule.period_key(now))
    again = invoices_overdue_note(now=now, period=schedule.period_key(now))

    assert (told, again) == (2, 0)
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {
        finance.pk,
        overdue.salesperson_id,
    }


# --- Receivables ------------------------------------------------------------------------


TODAY = dt.date(2026, 6, 30)


def open_invoice(customer: Any, salesperson: Any, due: dt.date, amount: str, paid: str = "0"):
    return InvoiceFactory(
        order=OrderFactory(state="shipped", customer=customer, salesperson=salesperson),
        amount=Decimal(amount),
        paid_amount=Decimal(paid),
        invoice_date=dt.date(2026, 1, 1),
        due_date=due,
    )


def test_ageing_buckets_on_fixed_dates(django_assert_num_queries):
    a, b = CustomerFactory(name="A Co."), CustomerFactory(name="B Co.")
    ann, bob = (
        UserFactory(roles=["sales"], first_name="Ann"),
        UserFactory(roles=["sales"], first_name="Bob"),
    )
    open_invoice(a, ann, TODAY, "100.00")  # due today: not due
    open_invoice(a, ann, TODAY - dt.timedelta(days=1), "10.00")  # 1 day: 1–30
    open_invoice(a, bob, TODAY - dt.timedelta(days=30), "20.00", paid="5.00")  # 1–30
    open_invoice(b, bob, TODAY - dt.timedelta(days=31), "30.00")  # 31–60
    open_invoice(b, bob, TODAY - dt.timedelta(days=60), "40.00")  # 31–60
    open_invoice(b, ann, TODAY - dt.timedelta(days=61), "50.00")  # 61–90
    open_invoice(b, ann, TODAY - dt.timedelta(days=90), "60.00")  # 61–90
    open_invoice(b, ann, TODAY - dt.timedelta(days=91), "70.00")  # over 90
    paid = open_invoice(b, ann, TODAY - dt.timedelta(days=200), "80.00")
    Invoice.objects.filter(pk=paid.pk).update(state="paid")

    with django_assert_num_queries(3):
        result = ageing(Invoice.objects.filter(state="issued"), TODAY)

    by_customer = {r["customer__name"]: r["buckets"] for r in result["customers"]}
    d = Decimal
    assert by_customer == {
        "A Co.": [d("100"), d("25"), d("0"), d("0"), d("0")],
        "B Co.": [d("0"), d("0"), d("70"), d("110"), d("70")],
    }
    by_person = {r["name"].strip(): (r["buckets"], r["total"]) for r in result["salespeople"]}
    assert by_person["Ann " + ann.last_name if ann.last_name else "Ann"][1] == d("290")
    (total,) = result["totals"]
    assert (total["currency"], total["total"], total["overdue"]) == ("CNY", d("375"), d("275"))


def test_the_receivables_page_is_for_money_roles_and_a_salesperson_sees_their_own(
    role_user, client_for
):
    mine = InvoiceFactory()
    other = InvoiceFactory()
    url = reverse("orders:receivables")

    own = client_for(mine.salesperson).get(url)
    finance = client_for(role_user("finance")).get(url)

    assert [r["customer_id"] for r in own.context["ageing"]["customers"]] == [mine.customer_id]
    assert {r["customer_id"] for r in finance.context["ageing"]["customers"]} == {
        mine.customer_id,
        other.customer_id,
    }
    for role in ("sales_assistant", "marketing_manager"):
        assert client_for(role_user(role)).get(url).status_code == 200
    for role in ("warehouse", "qa", "tech"):
        assert client_for(role_user(role)).get(url).status_code == 403


@pytest.mark.parametrize("size", [2, 30])
def test_receivables_and_invoice_pages_make_the_same_queries_however_many_invoices(
    size, role_user, client_for, django_assert_max_num_queries
):
    customers = CustomerFactory.create_batch(3)
    for i in range(size):
        invoice = InvoiceFactory(
            order=OrderFactory(state="shipped", customer=customers[i % 3]),
            due_date=in_days(-i * 7),
            invoice_date=in_days(-i * 7 - 30),
        )
    Payment.objects.bulk_create(
        Payment(
            invoice=invoice,
            paid_on=in_days(0),
            amount=Decimal("1"),
            recorded_by=invoice.salesperson,
        )
        for _ in range(size)
    )
    client = client_for(role_user("finance"))

    get_within_queries(client, reverse("orders:receivables"), django_assert_max_num_queries, 10)
    get_within_queries(client, invoice.get_absolute_url(), django_assert_max_num_queries, 17)
    get_within_queries(
        client,
        reverse("orders:customer_detail", args=[customers[0].pk]),
        django_assert_max_num_queries,
        17,
    )
    assert isinstance(Order.objects.first(), Order)


def test_receivables_speak_chinese(role_user, client_for):
    InvoiceFactory(due_date=in_days(-100), invoice_date=in_days(-130))

    page = client_for(role_user("finance"), language="zh-hans").get(reverse("orders:receivables"))

    html = page.content.decode()
    for words in ("应收账款", "按客户", "按业务员", "未到期", "90 天以上", "逾期发票"):
        assert words in html
    assert page.context["ageing"]["totals"][0]["over_90"] == Decimal("1412.50")


def test_every_orders_process_model_keeps_the_admins_history():
    assert all(admin_history(m) is not None for m in (Order, ShippingNotice, Invoice))
