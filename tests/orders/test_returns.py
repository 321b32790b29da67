"""Customer returns (客户退货): never more than shipped (counting earlier
returns), only on a shipped batch, the credit note lowering the receivables
by exactly its amount, the replacement batch through finance's review, the
printed inspection result and the order page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import CreditNote, CustomerReturn, Invoice, ShippingNotice
from orders.receivables import ageing
from tests.complaints.kit import ComplaintFactory
from tests.factories import in_days
from tests.orders.kit import InvoiceFactory, NoticeFactory, OrderFactory
from tests.orders.return_kit import ReturnFactory
from tests.workflow_checks import messages_of, step_url
from workflows.services import StepNotAvailable, transition_perform

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def return_post(notice: ShippingNotice, rows: list[tuple[Any, Any]], **head: Any) -> dict:
    data = {
        "notice": notice.pk,
        "received_on": in_days(0).isoformat(),
        "reason": "Scratched bodies",
        "lines-TOTAL_FORMS": len(rows),
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
        **head,
    }
    for i, (line, quantity) in enumerate(rows):
        data[f"lines-{i}-line"] = line
        data[f"lines-{i}-quantity"] = quantity
    return data


@pytest.fixture
def shipped() -> ShippingNotice:
    """A shipped batch of 10 of an order's first line (12.50 a piece, 13 % tax)."""
    order = OrderFactory(state="shipped")
    return NoticeFactory(order=order, state="shipped", delivery_note_no="DN-7")


def test_sales_registers_a_return_valued_on_the_server(shipped, client_for):
    line = shipped.lines.get()
    client = client_for(shipped.salesperson)
    page = client.get(reverse("orders:customerreturn_create") + f"?notice={shipped.pk}")
    assert page.status_code == 200 and "Left to return" in page.content.decode()

    response = client.post(
        reverse("orders:customerreturn_create"), return_post(shipped, [(line.pk, "4")], amount="1")
    )

    record = CustomerReturn.objects.get()
    assert response.status_code == 302 and response.url == record.get_absolute_url()
    assert (record.state, record.order_id, record.salesperson_id, record.complaint) == (
        "registered",
        shipped.order_id,
        shipped.salesperson_id,
        None,
    )
    # 4 × 12.50 = 50.00, tax 6.50
    assert record.amount == Decimal("56.50")
    assert list(record.lines.values_list("shipping_line_id", "quantity")) == [
        (line.pk, Decimal("4"))
    ]


@pytest.mark.parametrize(
    ("earlier", "quantity", "message"),
    [
        (None, "11", "At most 10.00 pcs of this line can be returned: 10.00 shipped, 0.00"),
        ("registered", "9", "At most 8.00 pcs of this line can be returned: 10.00 shipped, 2.00"),
        ("closed", "8.01", "At most 8.00 pcs"),
    ],
)
def test_a_return_never_exceeds_what_shipped_less_earlier_returns(
    shipped, client_for, earlier, quantity, message
):
    if earlier:
        ReturnFactory(notice=shipped, state=earlier)
    count = CustomerReturn.objects.count()
    line = shipped.lines.get()

    response = client_for(shipped.salesperson).post(
        reverse("orders:customerreturn_create"), return_post(shipped, [(line.pk, quantity)])
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert CustomerReturn.objects.count() == count


def test_refused_and_withdrawn_returns_give_their_quantities_back(shipped, client_for):
    ReturnFactory(notice=shipped, state="refused", quantity=Decimal("6"))
    ReturnFactory(notice=shipped, state="cancelled", quantity=Decimal("4"))
    line = shipped.lines.get()

    response = client_for(shipped.salesperson).post(
        reverse("orders:customerreturn_create"), return_post(shipped, [(line.pk, "10")])
    )

    assert response.status_code == 302
    assert CustomerReturn.objects.filter(state="registered").get().amount == Decimal("141.25")


@pytest.mark.parametrize("state", ["draft", "finance_review", "approved", "cancelled"])
def test_a_return_on_an_unshipped_batch_is_refused(client_for, role_user, state):
    notice = NoticeFactory(state=state)
    line = notice.lines.get()
    client = client_for(role_user("sales_assistant"))

    page = client.get(reverse("orders:customerreturn_create") + f"?notice={notice.pk}")
    response = client.post(
        reverse("orders:customerreturn_create"), return_post(notice, [(line.pk, "1")])
    )

    assert "Only a shipped batch can be returned." in messages_of(page)
    assert response.status_code == 400
    assert "Only a shipped batch can be returned" in response.content.decode()
    assert not CustomerReturn.objects.exists()


def test_missing_reason_and_no_quantity_are_field_errors(shipped, client_for):
    line = shipped.lines.get()
    client = client_for(shipped.salesperson)

    no_reason = client.post(
        reverse("orders:customerreturn_create"), return_post(shipped, [(line.pk, "1")], reason="")
    )
    nothing = client.post(
        reverse("orders:customerreturn_create"), return_post(shipped, [(line.pk, "")])
    )

    assert no_reason.status_code == 400 and no_reason.context["form"].errors["reason"]
    assert nothing.status_code == 400
    assert "Enter the quantity returned of at least one line." in nothing.content.decode()
    assert not CustomerReturn.objects.exists()


def test_another_salespersons_batch_cannot_be_returned(shipped, client_for, role_user):
    other = role_user("sales")
    line = shipped.lines.get()

    response = client_for(other).post(
        reverse("orders:customerreturn_create"), return_post(shipped, [(line.pk, "1")])
    )

    assert response.status_code == 400  # the batch is not among those they may read
    assert not CustomerReturn.objects.exists()


# --- The complaint a return belongs to -----------------------------------------------------


def test_a_return_is_linked_to_a_complaint_of_its_customer_and_each_page_shows_the_other(
    shipped, client_for
):
    sales = shipped.salesperson
    complaint = ComplaintFactory(customer=shipped.customer, salesperson=sales)
    ComplaintFactory(salesperson=sales)  # another customer's: not offered
    line = shipped.lines.get()
    client = client_for(sales)
    page = client.get(reverse("orders:customerreturn_create") + f"?notice={shipped.pk}")
    offered = list(page.context["form"].fields["complaint"].queryset)
    assert offered == [complaint]

    client.post(
        reverse("orders:customerreturn_create"),
        return_post(shipped, [(line.pk, "2")], complaint=complaint.pk),
    )

    record = CustomerReturn.objects.get()
    assert record.complaint == complaint
    shown = client.get(record.get_absolute_url()).content.decode()
    assert complaint.get_absolute_url() in shown
    listed = client.get(complaint.get_absolute_url())
    assert [r.reference for r in listed.context["returns"]] == [record.reference]


def test_a_complaint_of_another_customer_is_refused_and_nothing_saved(shipped, client_for):
    sales = shipped.salesperson
    elsewhere = ComplaintFactory(salesperson=sales)
    line = shipped.lines.get()

    response = client_for(sales).post(
        reverse("orders:customerreturn_create"),
        return_post(shipped, [(line.pk, "2")], complaint=elsewhere.pk),
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not CustomerReturn.objects.exists()


def _receivable(invoice: Invoice) -> Decimal:
    today = timezone.localdate()
    totals = ageing(Invoice.objects.filter(state="issued"), today)["totals"]
    return sum((row["total"] for row in totals), Decimal("0"))


def test_a_credit_note_reduces_the_receivables_by_exactly_its_amount(
    shipped, advance, role_user, client_for
):
    invoice = InvoiceFactory(order=shipped.order, notice=shipped, amount=Decimal("141.25"))
    InvoiceFactory(amount=Decimal("1000.00"))  # another customer's, untouched
    record = ReturnFactory(notice=shipped, quantity=Decimal("3"))
    advance.walk(record, ["return_submit", ("return_accept", {"remedy": "credit"})])
    before = _receivable(invoice)
    finance = role_user("finance")
    client = client_for(finance)
    record.refresh_from_db()

    response = client.post(
        step_url(record, "return_credit"),
        {
            "_seq": record.step_seq,
            "return_credit-invoice": invoice.pk,
            "return_credit-number": "CN-0001",
            "return_credit-issued_on": in_days(0).isoformat(),
            "return_credit-amount": "9999",
        },
    )

    assert response.status_code == 302
    record.refresh_from_db()
    invoice.refresh_from_db()
    note = CreditNote.objects.get()
    # 3 × 12.50 = 37.50 + 4.88 tax
    assert record.amount == note.amount == Decimal("42.38")
    assert (record.state, record.invoice_id, note.issued_by_id) == (
        "resolved",
        invoice.pk,
        finance.pk,
    )
    assert invoice.credited_amount == Decimal("42.38")
    assert invoice.balance == Decimal("98.87")
    assert before - _receivable(invoice) == Decimal("42.38")
    assert shipped.credit_check()["open"] == Decimal("98.87")


def test_a_credit_that_clears_the_invoice_settles_it(shipped, advance):
    invoice = InvoiceFactory(
        order=shipped.order, notice=shipped, amount=Decimal("141.25"), paid_amount=Decimal("84.75")
    )
    record = ReturnFactory(notice=shipped, quantity=Decimal("4"))  # 56.50
    advance.walk(
        record,
        [
            "return_submit",
            ("return_accept", {"remedy": "credit"}),
            ("return_credit", {"invoice": invoice.pk}),
        ],
    )
    invoice.refresh_from_db()
    assert (invoice.balance, invoice.state) == (Decimal("0"), "paid")


def test_a_credit_larger_than_the_invoices_balance_is_refused(shipped, advance, role_user):
    invoice = InvoiceFactory(
        order=shipped.order, notice=shipped, amount=Decimal("141.25"), paid_amount=Decimal("140")
    )
    record = ReturnFactory(notice=shipped)
    advance.walk(record, ["return_submit", ("return_accept", {"remedy": "credit"})])
    record.refresh_from_db()

    with pytest.raises(Exception) as refused:
        transition_perform(
            record=record,
            name="return_credit",
            user=role_user("finance"),
            data={"invoice": invoice.pk, "number": "CN-9", "issued_on": in_days(0)},
            seen_seq=record.step_seq,
        )

    assert (
        "open balance is 1.25, less than the return's 28.25"
        in (refused.value.form.errors["invoice"][0])
    )
    invoice.refresh_from_db()
    assert invoice.credited_amount == 0 and not CreditNote.objects.exists()


def test_the_replacement_goes_through_finance_and_closes_the_return_once_shipped(
    shipped, advance, role_user
):
    from tests.orders.kit import prepare_notice

    record = ReturnFactory(notice=shipped, quantity=Decimal("3"))
    advance.walk(
        record,
        [
            "return_submit",
            ("return_accept", {"remedy": "replacement"}),
            ("return_replace", {"ship_date": in_days(3)}),
        ],
    )
    record.refresh_from_db()
    replacement = record.replacement
    assert (replacement.state, replacement.order_id, replacement.amount) == (
        "draft",
        shipped.order_id,
        Decimal("42.38"),
    )
    assert list(replacement.lines.values_list("order_line_id", "quantity")) == [
        (shipped.lines.get().order_line_id, Decimal("3"))
    ]
    with pytest.raises(StepNotAvailable, match="replacement batch has not shipped"):
        transition_perform(
            record=record, name="return_close", user=role_user("sales_assistant"), data={}
        )

    prepare_notice(replacement, "notice_approve")
    advance.walk(replacement, ["notice_submit", "notice_approve", "notice_ship"])
    advance.walk(record, ["return_close"])
    record.refresh_from_db()
    assert record.state == "closed"


def test_a_refused_return_is_told_to_the_customer_and_closed(shipped, advance):
    record = ReturnFactory(notice=shipped)
    advance.walk(record, ["return_submit", "return_refuse", "return_tell"])
    record.refresh_from_db()
    assert (record.state, record.remedy, record.customer_told_on) == ("closed", "", in_days(0))
    assert record.refusal_reason == "The goods meet the specification."


def test_qa_chooses_a_remedy_when_accepting(shipped, advance, role_user):
    record = ReturnFactory(notice=shipped, state="inspecting")
    with pytest.raises(Exception) as refused:
        transition_perform(
            record=record,
            name="return_accept",
            user=role_user("qa"),
            data={"inspection_result": "ok", "inspected_on": in_days(0), "remedy": ""},
        )
    assert "remedy" in refused.value.form.errors
    record.refresh_from_db()
    assert record.state == "inspecting"


@pytest.mark.parametrize(
    ("language", "title", "verdict"),
    [
        ("zh-hans", "客户退货检验结果", "已受理：红字冲减"),
        ("en", "Customer return inspection result", "Accepted: Credit note"),
    ],
)
def test_the_inspection_result_prints_in_both_languages(
    shipped, advance, client_for, role_user, language, title, verdict, django_assert_max_num_queries
):
    record = ReturnFactory(notice=shipped)
    advance.walk(record, ["return_submit", ("return_accept", {"remedy": "credit"})])
    client = client_for(role_user("qa"), language=language)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("orders:customerreturn_print", args=[record.pk]))

    text = response.content.decode()
    assert response.status_code == 200
    assert title in text and "Two lids dented in transit" in text and "28.25" in text
    assert verdict in text


def test_the_order_page_lists_its_returns(shipped, client_for):
    record = ReturnFactory(notice=shipped)

    response = client_for(shipped.salesperson).get(shipped.order.get_absolute_url())

    assert record.reference in response.content.decode()
    assert 'data-testid="order-return"' in response.content.decode()


def test_the_registration_page_costs_the_same_queries_for_a_bigger_batch(
    client_for, django_assert_max_num_queries
):
    order = OrderFactory(state="shipped", lines=6)
    notice = NoticeFactory(order=order, state="shipped")
    client = client_for(order.salesperson)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("orders:customerreturn_create") + f"?notice={notice.pk}")
    assert response.status_code == 200


def test_a_return_is_not_registered_by_someone_dated_in_the_future(shipped, client_for):
    line = shipped.lines.get()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client_for(shipped.salesperson).post(
        reverse("orders:customerreturn_create"),
        return_post(shipped, [(line.pk, "1")], received_on=tomorrow),
    )
    assert response.status_code == 400 and response.context["form"].errors["received_on"]
    assert not CustomerReturn.objects.exists()


def test_a_credit_note_number_is_used_once(shipped, advance, role_user, client_for):
    invoice = InvoiceFactory(order=shipped.order, notice=shipped, amount=Decimal("141.25"))
    first = ReturnFactory(notice=shipped, quantity=Decimal("1"))
    advance.walk(
        first,
        [
            "return_submit",
            ("return_accept", {"remedy": "credit"}),
            ("return_credit", {"invoice": invoice.pk, "number": "CN-0001"}),
        ],
    )
    second = ReturnFactory(notice=shipped, quantity=Decimal("1"))
    second = advance.walk(second, ["return_submit", ("return_accept", {"remedy": "credit"})])

    response = client_for(role_user("finance")).post(
        step_url(second, "return_credit"),
        {
            "_seq": second.step_seq,
            "return_credit-invoice": invoice.pk,
            "return_credit-number": "CN-0001",
            "return_credit-issued_on": in_days(0).isoformat(),
        },
    )
    # Saved meanwhile by someone else: the service's own check under the lock.
    from orders.return_services import credit_note_issue

    with pytest.raises(StepNotAvailable, match="exists already"):
        credit_note_issue(
            record=second,
            user=role_user("finance"),
            data={"invoice": invoice, "number": "CN-0001", "issued_on": in_days(0)},
        )

    assert response.status_code == 400
    assert "A credit note with this number exists already." in response.content.decode()
    second.refresh_from_db()
    invoice.refresh_from_db()
    assert second.state == "accepted" and CreditNote.objects.count() == 1
    assert invoice.credited_amount == Decimal("14.13")  # 12.50 + 1.63 tax, the first only
