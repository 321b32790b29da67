"""Shipping in batches: the shipping notice's lines never ship more than was
ordered (also two notices at once), finance's credit check, the delivery
note, and the order following its batches."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django_fsm_log.models import StateLog

from orders.models import Customer, Order, ShippingLine, ShippingNotice
from orders.services import notice_create
from tests.factories import in_days
from tests.orders.kit import InvoiceFactory, NoticeFactory, OrderFactory, add_line
from tests.workflow_checks import get_within_queries, messages_of, step_url, together
from workflows.services import STALE_MESSAGE, StaleRecord, transition_perform

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def notice_post(order: Order, rows: list[tuple[Any, Any]], **head: Any) -> dict[str, Any]:
    data = {
        "order": order.pk,
        "ship_date": in_days(2).isoformat(),
        "delivery_address": "Guangzhou",
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
def order() -> Order:
    """A warehoused order of two lines, 100 pcs each."""
    order = OrderFactory(state="warehoused", lines=2)
    return order


def test_the_follower_drafts_a_batch_with_amounts_computed_on_the_server(
    order, role_user, client_for
):
    one, two = order.lines.all()
    client = client_for(role_user("sales_assistant"))
    assert (
        client.get(reverse("orders:shippingnotice_create") + f"?order={order.pk}").status_code
        == 200
    )

    response = client.post(
        reverse("orders:shippingnotice_create"),
        notice_post(order, [(one.pk, "40"), (two.pk, "")], amount="1"),
    )

    notice = ShippingNotice.objects.get()
    assert response.status_code == 302 and response.url == notice.get_absolute_url()
    assert (notice.state, notice.customer_id, notice.salesperson_id) == (
        "draft",
        order.customer_id,
        order.salesperson_id,
    )
    assert list(notice.lines.values_list("order_line_id", "quantity")) == [(one.pk, Decimal("40"))]
    # 40 × 12.50 = 500.00, tax 13 %: 65.00
    assert notice.amount == Decimal("565.00")


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("101", "At most 100.00 pcs of this line are left to ship."),
        ("-5", "Ensure this value is greater than or equal to 0.01."),
        ("0", "Ensure this value is greater than or equal to 0.01."),
        ("1.234", "Ensure that there are no more than 2 decimal places."),
        ("lots", "Enter a number."),
    ],
)
def test_a_bad_quantity_is_a_field_error_and_saves_nothing(
    order, quantity, message, role_user, client_for
):
    line = order.lines.first()
    response = client_for(role_user("sales_assistant")).post(
        reverse("orders:shippingnotice_create"), notice_post(order, [(line.pk, quantity)])
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ShippingNotice.objects.exists()


def test_a_line_of_another_order_is_refused(order, role_user, client_for):
    other = OrderFactory(state="warehoused").lines.first()
    response = client_for(role_user("sales_assistant")).post(
        reverse("orders:shippingnotice_create"), notice_post(order, [(other.pk, "1")])
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ShippingNotice.objects.exists()


def test_a_notice_with_no_quantity_or_for_an_order_not_in_the_warehouse_is_refused(
    role_user, client_for
):
    client = client_for(role_user("sales_assistant"))
    ready = OrderFactory(state="warehoused")
    early = OrderFactory(state="in_production")

    empty = client.post(
        reverse("orders:shippingnotice_create"),
        notice_post(ready, [(ready.lines.first().pk, "")]),
    )
    wrong = client.post(
        reverse("orders:shippingnotice_create"),
        notice_post(early, [(early.lines.first().pk, "1")]),
    )

    assert empty.status_code == 400
    assert "Enter the quantity of at least one line." in empty.content.decode()
    assert wrong.status_code == 400
    assert "Choose an order that is ready to ship." in messages_of(wrong)
    assert not ShippingNotice.objects.exists()


def test_batches_never_add_up_to_more_than_ordered_per_line(order, role_user):
    user = role_user("sales_assistant")
    line = order.lines.first()
    notice_create(
        order=order,
        notice=ShippingNotice(ship_date=in_days(1)),
        quantities={line.pk: Decimal("60")},
        user=user,
    )

    with pytest.raises(Exception) as refused:
        notice_create(
            order=order,
            notice=ShippingNotice(ship_date=in_days(1)),
            quantities={line.pk: Decimal("40.01")},
            user=user,
        )

    assert "At most 40.00 pcs" in str(refused.value)
    notice_create(
        order=order,
        notice=ShippingNotice(ship_date=in_days(1)),
        quantities={line.pk: Decimal("40")},
        user=user,
    )
    assert ShippingLine.objects.filter(order_line=line).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_two_notices_drafted_at_once_cannot_overship_one_wins(role_user):
    order = OrderFactory(state="warehoused")
    line = order.lines.first()
    user = role_user("sales_assistant")

    def draft() -> ShippingNotice:
        return notice_create(
            order=order,
            notice=ShippingNotice(ship_date=in_days(1)),
            quantities={line.pk: Decimal("70")},
            user=user,
        )

    outcomes = together(draft, draft)

    assert sum(isinstance(o, ShippingNotice) for o in outcomes) == 1
    assert ShippingLine.objects.filter(order_line=line).count() == 1


def within_limit(notice: ShippingNotice) -> None:
    Customer.objects.filter(pk=notice.customer_id).update(credit_limit=Decimal("1000000"))


def test_finance_sees_the_credit_and_must_approve_over_the_limit_with_a_reason(
    role_user, client_for
):
    notice = NoticeFactory(state="finance_review")  # the customer's limit is 0
    finance = role_user("finance")
    client = client_for(finance)

    page = client.get(notice.get_absolute_url())
    assert page.context["credit"]["over"] is True
    assert 'data-testid="over-limit"' in page.content.decode()
    plain = client.post(
        step_url(notice, "notice_approve"), {"_seq": notice.step_seq, "notice_approve-comment": ""}
    )
    no_reason = client.post(
        step_url(notice, "notice_approve_over_limit"),
        {"_seq": notice.step_seq, "notice_approve_over_limit-comment": ""},
    )
    notice.refresh_from_db()
    assert plain.status_code in (302, 400) and notice.state == "finance_review"
    assert no_reason.status_code == 400 and notice.state == "finance_review"

    client.post(
        step_url(notice, "notice_approve_over_limit"),
        {"_seq": notice.step_seq, "notice_approve_over_limit-comment": "Deposit received"},
    )
    notice.refresh_from_db()
    assert (notice.state, notice.over_limit) == ("approved", True)


def test_only_cny_balances_count_against_the_limit_kept_in_cny(role_user, client_for):
    notice = NoticeFactory(state="finance_review")  # CNY 141.25
    Customer.objects.filter(pk=notice.customer_id).update(credit_limit=Decimal("1000"))
    usd = OrderFactory(state="shipped", customer=notice.customer, currency="USD")
    InvoiceFactory(order=usd, currency="USD", amount=Decimal("5000.00"))
    cny = OrderFactory(state="shipped", customer=notice.customer)
    InvoiceFactory(order=cny, amount=Decimal("800.00"), due_date=in_days(-3))

    credit = ShippingNotice.objects.get(pk=notice.pk).credit_check()

    # CNY 800 open (overdue) and this batch's 141.25 stay within 1,000; the
    # USD 5,000 cannot be weighed against a CNY limit and is named apart.
    assert (credit["open"], credit["overdue"], credit["exposure"]) == (
        Decimal("800.00"),
        Decimal("800.00"),
        Decimal("941.25"),
    )
    assert (credit["over"], credit["other_currencies"]) == (False, 1)
    page = client_for(role_user("finance")).get(notice.get_absolute_url())
    assert 'data-testid="other-currencies"' in page.content.decode()
    assert 'data-testid="over-limit"' not in page.content.decode()


def test_a_batch_in_another_currency_needs_approval_over_the_limit(role_user, client_for):
    order = OrderFactory(state="warehoused", currency="USD")
    notice = NoticeFactory(order=order, state="finance_review")
    within_limit(notice)  # a CNY limit of a million says nothing of dollars
    finance = client_for(role_user("finance"))

    page = finance.get(notice.get_absolute_url())
    plain = finance.post(
        step_url(notice, "notice_approve"), {"_seq": notice.step_seq, "notice_approve-comment": ""}
    )

    assert page.context["credit"]["over"] is True
    assert "This batch is in USD" in page.content.decode()
    notice.refresh_from_db()
    assert plain.status_code in (302, 400) and notice.state == "finance_review"
    finance.post(
        step_url(notice, "notice_approve_over_limit"),
        {"_seq": notice.step_seq, "notice_approve_over_limit-comment": "Paid by L/C"},
    )
    notice.refresh_from_db()
    assert (notice.state, notice.over_limit) == ("approved", True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_two_finance_users_approving_one_notice_at_once_one_wins(role_user):
    notice = NoticeFactory(state="finance_review")
    within_limit(notice)
    first, second = role_user("finance"), role_user("finance", "qa")
    seq = notice.step_seq

    def approve(user: Any) -> Any:
        return transition_perform(
            record=ShippingNotice.objects.get(pk=notice.pk),
            name="notice_approve",
            user=user,
            data={"comment": ""},
            seen_seq=seq,
        )

    outcomes = together(lambda: approve(first), lambda: approve(second))

    assert sum(isinstance(o, ShippingNotice) for o in outcomes) == 1
    (refused,) = [o for o in outcomes if not isinstance(o, ShippingNotice)]
    assert isinstance(refused, StaleRecord) and refused.message == STALE_MESSAGE
    notice.refresh_from_db()
    assert (notice.state, notice.step_seq) == ("approved", seq + 1)


def ship(notice: ShippingNotice, user: Any) -> ShippingNotice:
    return transition_perform(
        record=notice,
        name="notice_ship",
        user=user,
        data={
            "delivery_note_no": f"DN-{notice.pk}",
            "carrier": "SF Express",
            "shipped_on": in_days(0).isoformat(),
            "comment": "",
        },
        seen_seq=notice.step_seq,
    )


def test_the_order_is_shipping_while_batches_remain_and_shipped_after_the_last(role_user):
    order = OrderFactory(state="warehoused")
    warehouse = role_user("warehouse")
    line = order.lines.first()
    first = NoticeFactory(order=order, state="approved", quantity=Decimal("30"))
    second = NoticeFactory(order=order, state="approved", quantity=Decimal("70"))
    assert line.quantity == Decimal("100")

    ship(first, warehouse)
    order.refresh_from_db()
    assert order.state == "shipping"
    ship(second, warehouse)
    order.refresh_from_db()
    assert order.state == "shipped"
    logs = StateLog.objects.for_(order).order_by("pk")
    assert [(log.transition, log.by_id) for log in logs][-2:] == [
        ("batch_shipped", warehouse.pk),
        ("all_shipped", warehouse.pk),
    ]


def test_the_delivery_note_prints_in_the_seeds_words(role_user, client_for):
    notice = NoticeFactory(state="approved")
    notice = ship(notice, role_user("warehouse"))
    client = client_for(notice.salesperson)  # the order's salesperson reads it
    zh = client_for(notice.salesperson, language="zh-hans")

    en = client.get(reverse("orders:shippingnotice_print_delivery_note", args=[notice.pk]))
    cn = zh.get(reverse("orders:shippingnotice_print_delivery_note", args=[notice.pk]))
    sn = zh.get(reverse("orders:shippingnotice_print", args=[notice.pk]))

    assert "Delivery note" in en.content.decode() and "送货单" in en.content.decode()
    assert f"DN-{notice.pk}" in cn.content.decode() and "送货单" in cn.content.decode()
    assert "出货通知单" in sn.content.decode()
    assert "Delivery note" not in cn.content.decode()


@pytest.mark.parametrize("size", [2, 30])
def test_notice_pages_make_the_same_queries_however_many_lines(
    size, role_user, client_for, django_assert_max_num_queries
):
    order = OrderFactory(state="warehoused", lines=1)
    for _ in range(size - 1):
        add_line(order)
    notice = NoticeFactory(order=order, state="finance_review")
    for line in list(order.lines.all())[1:]:
        row = ShippingLine(notice=notice, order_line=line, quantity=Decimal("1"))
        row.compute(line)
        row.save()
    for _ in range(size):
        NoticeFactory(state="shipped")
    client = client_for(role_user("finance"))

    get_within_queries(client, notice.get_absolute_url(), django_assert_max_num_queries, 18)
    get_within_queries(
        client,
        reverse("orders:shippingnotice_print", args=[notice.pk]),
        django_assert_max_num_queries,
        10,
    )
    get_within_queries(
        client_for(role_user("sales_assistant")),
        reverse("orders:shippingnotice_create") + f"?order={order.pk}",
        django_assert_max_num_queries,
        10,
    )
