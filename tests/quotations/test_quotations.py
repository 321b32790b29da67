"""Quotations and bids (报价/投标): costs seen only by the roles that may, the
revisions and their difference, no deviation without leadership's approval,
the order opened when won, the expiry, the printout, the list's summary, and
bad input refused with nothing changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, Quotation, QuotationLine
from orders.quotation_services import quotations_expire
from tests.factories import CustomerFactory, UserFactory, in_days
from tests.kits import snapshot
from tests.quotations.kit import QuotationFactory, add_line
from tests.workflow_checks import get_within_queries, messages_of, step_url
from workflows.models import Notification, Outbox
from workflows.outbox import outbox_run
from workflows.services import StepNotAvailable, transition_perform

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

COST = "9,800.00"  # the kit's purchase price
PRICE = "12,500.00"


def edit_post(quotation: Quotation, lines: list[dict[str, Any]], **head: Any) -> dict[str, Any]:
    """The quotation's edit form as a browser posts it."""
    data: dict[str, Any] = {
        "_seq": str(quotation.step_seq),
        "title": quotation.title,
        "requirements": quotation.requirements,
        "currency": quotation.currency,
        "valid_until": in_days(30).isoformat(),
        "deposit_percent": "",
        "payment_days": "30",
        "delivery_terms": "DAP Guangzhou",
        "terms": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "200",
    }
    data.update({k: str(v) for k, v in head.items()})
    for i, line in enumerate(lines):
        values = {
            "product": "Centrifugal pump",
            "spec": "CP-80",
            "parameters": "80 m³/h, 32 m head, 11 kW",
            "unit": "set",
            "quantity": "4",
            "unit_price": "12500",
            "tax_rate": "13",
            "delivery_days": "30",
            **line,
        }
        data.update({f"lines-{i}-{k}": str(v) for k, v in values.items()})
    return data


def take(record: Quotation, name: str, user: Any, **data: Any) -> Quotation:
    return transition_perform(
        record=record, name=name, user=user, data=data, seen_seq=record.step_seq
    )


# --- Costs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["gm", "marketing_manager", "ops", "finance"])
def test_the_cost_roles_see_purchase_prices_and_margins(role, role_user, client_for):
    quotation = QuotationFactory(state="preparing")
    page = client_for(role_user(role)).get(quotation.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert COST in text
    # 4 × 12,500.00 − 4 × 9,800.00 = 10,800.00 margin, 21.60 % of 50,000.00
    assert "10,800.00" in text and "21.60%" in text


@pytest.mark.parametrize("role", ["sales_assistant", "product_marketing_manager", "tech_director"])
def test_every_other_reader_sees_no_cost(role, role_user, client_for):
    quotation = QuotationFactory(state="preparing")
    page = client_for(role_user(role)).get(quotation.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert PRICE in text and COST not in text and "10,800.00" not in text
    assert 'data-testid="cost-head"' not in text


def test_the_salesperson_sees_no_cost_of_their_own_quotation(client_for):
    quotation = QuotationFactory(state="negotiating")
    page = client_for(quotation.salesperson).get(quotation.get_absolute_url())
    assert page.status_code == 200
    assert COST not in page.content.decode()


@pytest.mark.parametrize("role", ["gm", "ops"])
def test_the_printout_never_shows_a_cost_whoever_prints_it(role, role_user, client_for):
    quotation = QuotationFactory(state="sent")
    page = client_for(role_user(role)).get(reverse("orders:quotation_print", args=[quotation.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert PRICE in text and COST not in text and "Company stamp" in text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_exports_hold_no_cost(fmt, role_user, client_for):
    QuotationFactory(state="preparing")
    response = client_for(role_user("gm")).get(
        reverse("orders:quotation_export", kwargs={"fmt": fmt})
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        text = body.decode("utf-8-sig")
        assert "56,500.00" in text or "56500" in text
        assert "9800" not in text and COST not in text
    else:
        assert b"9800" not in body


@pytest.mark.parametrize(("role", "seen"), [("marketing_manager", True), ("gm", True)])
def test_the_admin_shows_costs_to_the_cost_roles(role, seen, role_user, client_for):
    user = role_user(role)
    user.is_staff = True
    user.save()
    quotation = QuotationFactory(state="preparing")
    page = client_for(user).get(reverse("admin:orders_quotation_change", args=[quotation.pk]))
    assert page.status_code == 200
    assert ("9800" in page.content.decode() or COST in page.content.decode()) is seen


def test_the_admin_hides_costs_from_a_manager_without_the_right(role_user, client_for):
    user = role_user("product_marketing_manager")
    user.is_staff = True
    user.save()
    quotation = QuotationFactory(state="preparing")
    page = client_for(user).get(reverse("admin:orders_quotation_change", args=[quotation.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Centrifugal pump" in text
    assert "9800" not in text and COST not in text and "purchase price" not in text


def test_operations_record_who_gave_which_figure_and_when(role_user, client_for):
    ops = role_user("ops")
    quotation = QuotationFactory(state="preparing", lines=0)
    add_line(quotation, costed=False)
    line = quotation.lines.get()
    url = reverse("orders:quotation_costs", args=[quotation.pk])
    assert client_for(ops).get(url).status_code == 200
    data = {
        "_seq": str(quotation.step_seq),
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "200",
        "form-0-id": str(line.pk),
        "form-0-spec": "CP-80B",
        "form-0-parameters": "85 m³/h",
        "form-0-purchase_price": "9900.00",
        "form-0-lead_time_days": "25",
    }
    response = client_for(ops).post(url, data)
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.purchase_price, line.lead_time_days, line.spec) == (
        Decimal("9900.00"),
        25,
        "CP-80B",
    )
    assert line.costed_by == ops and line.costed_at is not None


@pytest.mark.parametrize(
    ("field", "value"), [("purchase_price", "-1"), ("purchase_price", ""), ("lead_time_days", "0")]
)
def test_bad_figures_are_refused_and_change_nothing(field, value, role_user, client_for):
    ops = role_user("ops")
    quotation = QuotationFactory(state="preparing")
    line = quotation.lines.get()
    data = {
        "_seq": str(quotation.step_seq),
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "200",
        "form-0-id": str(line.pk),
        "form-0-spec": "CP-80",
        "form-0-parameters": "",
        "form-0-purchase_price": "9000",
        "form-0-lead_time_days": "20",
        f"form-0-{field}": value,
    }
    response = client_for(ops).post(reverse("orders:quotation_costs", args=[quotation.pk]), data)
    assert response.status_code == 400
    line.refresh_from_db()
    assert (line.purchase_price, line.lead_time_days) == (Decimal("9800.00"), 21)


def test_only_operations_give_figures(client_for):
    quotation = QuotationFactory(state="preparing")
    url = reverse("orders:quotation_costs", args=[quotation.pk])
    assert client_for(quotation.salesperson).get(url).status_code == 403


# --- Revisions -----------------------------------------------------------------------------


def test_a_renegotiated_price_is_a_new_revision_shown_against_the_approved_one(
    role_user, client_for
):
    gm = role_user("gm")
    quotation = QuotationFactory(state="negotiating")
    sales = quotation.salesperson
    original = quotation.revisions.get()
    quotation = take(quotation, "quote_revise", sales, comment="Customer asks 5 % off")
    assert quotation.state == "revising"

    data = edit_post(
        quotation,
        [{"unit_price": "11875"}, {"product": "Spare seal kit", "spec": "SK-1", "quantity": "8"}],
    )
    response = client_for(sales).post(reverse("orders:quotation_edit", args=[quotation.pk]), data)
    assert response.status_code == 302, response.content[:2000]

    page = client_for(gm).get(quotation.get_absolute_url())
    diff = page.context["changes"]
    assert page.context["current_name"] == "Rev A"
    assert [(c.label, c.old, c.new) for c in diff.lines[0].changes] == [
        ("unit price", "12500.00", "11875.00")
    ]
    assert (diff.lines[1].key, diff.lines[1].status) == (2, "added")
    assert "total amount" in [c.label for c in diff.fields]
    assert 'data-testid="revision-diff"' in page.content.decode()

    # Operations cost the new line; leadership approves Rev A.
    QuotationLine.objects.filter(quotation=quotation, position=2).update(
        purchase_price=Decimal("100"), lead_time_days=5
    )
    quotation.refresh_from_db()
    quotation = take(quotation, "quote_submit", sales, valid_until=in_days(20))
    assert quotation.state == "leadership_review"
    review = client_for(gm).get(quotation.get_absolute_url())
    assert review.context["current_name"] == "Rev A"
    assert review.context["changes"].lines[0].changes[0].new == "11875.00"
    quotation = take(quotation, "quote_approve", gm)
    assert quotation.state == "approved"
    assert [r.label for r in quotation.revisions.all()] == ["Original", "Rev A"]
    original.refresh_from_db()
    assert original.snapshot["lines"][0]["unit_price"] == "12500.00"
    assert len(original.snapshot["lines"]) == 1
    assert quotation.approved_number == 1


def test_a_frozen_revision_is_not_edited(client_for):
    quotation = QuotationFactory(state="sent")
    before = snapshot(quotation)
    client = client_for(quotation.salesperson)
    url = reverse("orders:quotation_edit", args=[quotation.pk])

    page = client.get(url)
    posted = client.post(url, edit_post(quotation, [{"unit_price": "1"}]), follow=True)

    assert page.status_code == 302
    assert posted.redirect_chain[0][1] == 302
    assert "This revision is frozen" in messages_of(posted)[0]
    assert snapshot(quotation) == before
    assert quotation.lines.get().unit_price == Decimal("12500.00")


def test_a_deviation_made_behind_the_pages_cannot_be_signed_or_sent(role_user):
    quotation = QuotationFactory(state="negotiating")
    QuotationLine.objects.filter(quotation=quotation).update(quantity=Decimal("5"))
    with pytest.raises(StepNotAvailable, match="differs from the revision"):
        take(quotation, "quote_win", quotation.salesperson)
    approved = QuotationFactory(state="approved")
    QuotationLine.objects.filter(quotation=approved).update(unit_price=Decimal("1"))
    with pytest.raises(StepNotAvailable, match="differs from the revision"):
        take(approved, "quote_send", approved.salesperson)
    assert not Order.objects.exists()


def test_a_new_revision_goes_to_leadership_before_it_is_sent(role_user):
    quotation = QuotationFactory(state="sent")
    quotation = take(quotation, "quote_revise", quotation.salesperson, comment="New delivery")
    names = {t.name for t in quotation.get_available_state_transitions()}
    assert "quote_send" not in names and "quote_win" not in names
    assert names == {"quote_submit"}


# --- Won, lost, expired ----------------------------------------------------------------------


def test_won_opens_one_order_with_the_lines_customer_and_terms(role_user, client_for):
    quotation = QuotationFactory(state="negotiating", lines=2, deposit_percent=Decimal("30"))
    response = client_for(quotation.salesperson).post(
        step_url(quotation, "quote_win"),
        {"_seq": str(quotation.step_seq), "quote_win-comment": "Contract signed"},
    )
    quotation.refresh_from_db()
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == order.get_absolute_url()
    assert quotation.state == "won" and quotation.order == order and order.quotation == quotation
    assert (order.customer, order.salesperson, order.channel) == (
        quotation.customer,
        quotation.salesperson,
        "quotation",
    )
    assert (order.deposit_percent, order.payment_days, order.total) == (
        Decimal("30.00"),
        30,
        quotation.total,
    )
    assert list(order.lines.values_list("position", "product", "quantity", "unit_price")) == list(
        quotation.lines.values_list("position", "product", "quantity", "unit_price")
    )
    assert quotation.reference in order.remarks
    page = client_for(quotation.salesperson).get(order.get_absolute_url())
    assert f'href="{quotation.get_absolute_url()}"' in page.content.decode()


def test_won_twice_from_the_same_page_opens_one_order(client_for):
    quotation = QuotationFactory(state="sent")
    client = client_for(quotation.salesperson)
    data = {"_seq": str(quotation.step_seq), "quote_win-comment": ""}
    first = client.post(step_url(quotation, "quote_win"), data)
    second = client.post(step_url(quotation, "quote_win"), data)
    assert first.status_code == 302 and second.status_code in (302, 409)
    assert Order.objects.count() == 1


def test_lost_needs_a_reason(client_for):
    quotation = QuotationFactory(state="negotiating")
    before = snapshot(quotation)
    response = client_for(quotation.salesperson).post(
        step_url(quotation, "quote_lose"),
        {"_seq": str(quotation.step_seq), "quote_lose-lost_reason": ""},
    )
    assert response.status_code == 400
    assert snapshot(quotation) == before


def test_quotations_past_their_validity_expire_and_revive_as_a_new_revision():
    fresh = QuotationFactory(state="sent")
    stale = QuotationFactory(state="sent")
    Quotation.objects.filter(pk=stale.pk).update(valid_until=in_days(-1))

    assert quotations_expire(now=timezone.now(), period="d1") == 1
    assert quotations_expire(now=timezone.now(), period="d1") == 0

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.state, fresh.state) == ("expired", "sent")
    revived = take(stale, "quote_revise", stale.salesperson, comment="Customer came back")
    assert revived.state == "revising"


def test_an_expired_validity_is_not_approved(role_user):
    quotation = QuotationFactory(state="leadership_review")
    Quotation.objects.filter(pk=quotation.pk).update(valid_until=in_days(-1))
    quotation.refresh_from_db()
    with pytest.raises(StepNotAvailable, match="past its validity"):
        take(quotation, "quote_approve", role_user("gm"))


def test_leadership_hears_of_each_note_on_a_major_quotation(role_user):
    from orders.models import MajorOrderThreshold

    gm = role_user("gm")
    MajorOrderThreshold.objects.create(currency="CNY", amount=Decimal("10000"))
    quotation = QuotationFactory(state="sent")
    take(quotation, "quote_negotiate", quotation.salesperson, comment="Asked for 60 days")
    assert Notification.objects.filter(recipient=gm, key__startswith="quotation-major").exists()


def test_the_marketing_manager_hears_of_each_negotiation_note_leadership_only_when_major(
    role_user,
):
    manager, gm = role_user("marketing_manager"), role_user("gm")
    quotation = QuotationFactory(state="sent")
    for note in ("Wants 60 days", "Asks for 3 % off"):
        quotation = take(quotation, "quote_negotiate", quotation.salesperson, comment=note)
        for entry in Outbox.objects.filter(done_at__isnull=True):  # as the worker does
            outbox_run(entry.pk)

    told = Notification.objects.filter(recipient=manager, object_id=quotation.pk)
    assert told.count() == 2
    assert not Notification.objects.filter(recipient=gm, key__startswith="quotation-major").exists()


# --- The tender deadline -------------------------------------------------------------------


def test_a_tender_caps_every_deadline_at_its_submission_deadline(role_user):
    deadline = in_days(1)
    quotation = QuotationFactory(kind="tender", tender_deadline=deadline)
    quotation = take(quotation, "quote_go", role_user("gm"))
    assert quotation.step_due_at <= quotation.final_deadline
    assert timezone.localdate(quotation.step_due_at) <= deadline


# --- Creation and bad input ----------------------------------------------------------------


def create_post(owner: Any, **fields: Any) -> dict[str, str]:
    data = {
        "kind": "tender",
        "customer": str(CustomerFactory().pk),
        "salesperson": str(owner.pk),
        "title": "Water works",
        "requirements": "Six pumps",
        "tender_deadline": in_days(20).isoformat(),
        "currency": "CNY",
    }
    data.update({k: str(v) for k, v in fields.items()})
    return data


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"tender_deadline": (timezone.localdate() - dt.timedelta(days=1)).isoformat()}, "past"),
        ({"tender_deadline": ""}, "A tender needs its submission deadline."),
    ],
)
def test_a_tender_deadline_before_today_or_missing_is_refused(fields, error, role_user, client_for):
    sales = role_user("sales")
    response = client_for(sales).post(
        reverse("orders:quotation_create"), create_post(sales, **fields)
    )
    assert response.status_code == 400
    assert error in str(response.context["form"].errors["tender_deadline"])
    assert not Quotation.objects.exists()


def test_an_inquiry_needs_no_tender_deadline(role_user, client_for):
    sales = role_user("sales")
    response = client_for(sales).post(
        reverse("orders:quotation_create"), create_post(sales, kind="inquiry", tender_deadline="")
    )
    assert response.status_code == 302
    assert Quotation.objects.get().state == "inquiry"


@pytest.mark.parametrize(
    ("line", "head", "field"),
    [
        ({"unit_price": "-5"}, {}, "unit_price"),
        ({"quantity": "-1"}, {}, "quantity"),
        ({"quantity": "0"}, {}, "quantity"),
        ({}, {"valid_until": "2001-01-01"}, "valid_until"),
        ({"delivery_days": "0"}, {}, "delivery_days"),
    ],
)
def test_bad_lines_or_terms_are_refused_and_change_nothing(line, head, field, client_for):
    quotation = QuotationFactory(state="preparing")
    before = (snapshot(quotation), quotation.valid_until)
    response = client_for(quotation.salesperson).post(
        reverse("orders:quotation_edit", args=[quotation.pk]),
        edit_post(quotation, [line], **head),
    )
    assert response.status_code == 400
    entry = response.context["entry"]
    errors = {**entry.form.errors, **entry.lines.forms[0].errors}
    assert field in errors
    quotation.refresh_from_db()
    assert (snapshot(quotation), quotation.valid_until) == before


def test_a_validity_date_in_the_past_is_refused_on_submission(client_for, walker):
    quotation = walker.ready(QuotationFactory(state="preparing"), "quote_submit")
    before = snapshot(quotation)
    response = client_for(quotation.salesperson).post(
        step_url(quotation, "quote_submit"),
        {"_seq": str(quotation.step_seq), "quote_submit-valid_until": in_days(-2).isoformat()},
    )
    assert response.status_code == 400
    assert snapshot(quotation) == before


def test_a_stale_edit_is_refused(client_for):
    quotation = QuotationFactory(state="preparing")
    data = edit_post(quotation, [{"unit_price": "100"}])
    data["_seq"] = str(quotation.step_seq - 1)
    response = client_for(quotation.salesperson).post(
        reverse("orders:quotation_edit", args=[quotation.pk]), data
    )
    assert response.status_code == 302
    assert quotation.lines.get().unit_price == Decimal("12500.00")


def test_another_salesperson_may_not_edit(role_user, client_for):
    quotation = QuotationFactory(state="preparing")
    other = UserFactory(roles=["sales", "sales_assistant"])
    response = client_for(other).post(
        reverse("orders:quotation_edit", args=[quotation.pk]),
        edit_post(quotation, [{"unit_price": "1"}]),
    )
    assert response.status_code == 403
    assert quotation.lines.get().unit_price == Decimal("12500.00")


def test_a_changed_product_loses_its_old_figures(client_for):
    quotation = QuotationFactory(state="preparing")
    response = client_for(quotation.salesperson).post(
        reverse("orders:quotation_edit", args=[quotation.pk]),
        edit_post(quotation, [{"product": "Booster pump", "unit_price": "15000"}]),
    )
    assert response.status_code == 302
    line = quotation.lines.get()
    assert (line.product, line.purchase_price, line.costed_by) == ("Booster pump", None, None)
    quotation.refresh_from_db()
    assert quotation.total == Decimal("67800.00")  # 4 × 15,000 + 13 %


# --- The printout and the list ---------------------------------------------------------------


def test_only_an_approved_revision_is_printed(role_user, client_for):
    draft = QuotationFactory(state="leadership_review")
    page = client_for(role_user("gm")).get(reverse("orders:quotation_print", args=[draft.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="not-printable"' in text and PRICE not in text


def test_a_tender_prints_as_a_tender_with_its_validity(role_user, client_for):
    quotation = QuotationFactory(state="sent", kind="tender", tender_deadline=in_days(10))
    page = client_for(quotation.salesperson).get(
        reverse("orders:quotation_print", args=[quotation.pk])
    )
    text = page.content.decode()
    assert "<h1>Tender</h1>" in text and "Original" in text
    assert quotation.valid_until.isoformat() in text


def test_the_printout_in_chinese_uses_the_seed_words(client_for):
    quotation = QuotationFactory(state="sent")
    page = client_for(quotation.salesperson, language="zh-hans").get(
        reverse("orders:quotation_print", args=[quotation.pk])
    )
    text = page.content.decode()
    assert "报价单" in text and "公司盖章" in text


def test_the_list_shows_the_won_lost_summary_per_month_and_reason(
    role_user, client_for, django_assert_max_num_queries
):
    gm = role_user("gm")
    QuotationFactory(state="won")
    QuotationFactory(state="lost", lost_reason="price")
    QuotationFactory(state="lost", lost_reason="price")
    QuotationFactory(state="lost", lost_reason="timing", competitor="Acme")
    page, _ = get_within_queries(
        client_for(gm), reverse("orders:quotation_list"), django_assert_max_num_queries, 14
    )
    text = page.content.decode()
    assert 'data-testid="won-lost-summary"' in text
    month = timezone.localdate().strftime("%Y-%m")
    assert month in text
    from orders.quotation_summary import won_lost_summary

    summary = won_lost_summary(gm)
    assert [(p["won"], p["lost"]) for p in summary["periods"]] == [(1, 3)]
    assert summary["periods"][0]["amounts"] == [("CNY", Decimal("56500.00"))]
    assert [(r["reason"], r["n"]) for r in summary["reasons"]] == [("Price", 2), ("Timing", 1)]


def test_the_summary_counts_only_what_the_reader_reads(role_user):
    from orders.quotation_summary import won_lost_summary

    mine = QuotationFactory(state="won")
    QuotationFactory(state="lost", lost_reason="price")
    summary = won_lost_summary(mine.salesperson)
    assert [(p["won"], p["lost"]) for p in summary["periods"]] == [(1, 0)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("lost_reason=price", {"price"}), ("kind=tender", {"tender"})],
)
def test_the_list_filters_by_reason_and_kind(query, expected, role_user, client_for):
    QuotationFactory(state="lost", lost_reason="price")
    QuotationFactory(state="lost", lost_reason="timing")
    QuotationFactory(kind="tender", tender_deadline=in_days(5))
    page = client_for(role_user("gm")).get(reverse("orders:quotation_list") + "?" + query)
    records = list(page.context["records"])
    key = "lost_reason" if "lost_reason" in query else "kind"
    assert records and {getattr(r, key) for r in records} == expected


def test_the_deadline_window_filter(role_user, client_for):
    soon = QuotationFactory(kind="tender", tender_deadline=in_days(3))
    QuotationFactory(kind="tender", tender_deadline=in_days(40))
    url = reverse("orders:quotation_list") + f"?deadline_to={in_days(10).isoformat()}"
    page = client_for(role_user("gm")).get(url)
    assert list(page.context["records"]) == [soon]


def test_the_record_page_makes_the_same_queries_whatever_its_lines_and_revisions(
    role_user, client_for, django_assert_max_num_queries
):
    gm = role_user("gm")
    small = QuotationFactory(state="negotiating", lines=1)
    large = QuotationFactory(state="negotiating", lines=12)
    counts = []
    for quotation, n in ((small, 1), (large, 12)):
        quotation = take(quotation, "quote_revise", quotation.salesperson, comment="Price")
        QuotationLine.objects.filter(quotation=quotation).update(unit_price=Decimal("11000"))
        quotation.recompute()
        page, captured = get_within_queries(
            client_for(gm), quotation.get_absolute_url(), django_assert_max_num_queries, 21
        )
        assert len(page.context["changes"].lines) == n
        counts.append(len(captured))
    assert counts[0] == counts[1]
