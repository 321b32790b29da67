"""Contract changes (合同更改单): the departments asked again are exactly those
whose reviewed items changed; the others' approvals carry forward; a change
is refused once its batch has shipped, while another change is open, when it
changes nothing, on a cancelled or closed order and below what has shipped;
an applied change is the order's next revision, readable as approved; a
refused change leaves the order as it was."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from orders.change_forms import ChangeProposal, initial_lines
from orders.change_services import change_draft
from orders.models import ContractChange, Order, OrderRevision, departments_for
from tests.factories import in_days
from tests.orders.change_kit import ChangeFactory
from tests.orders.kit import NoticeFactory, OrderFactory
from workflows.models import SignOff
from workflows.revisions import snapshot
from workflows.selectors import waiting_roles
from workflows.services import StepNotAvailable, signoff_record, transition_perform

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CONFIRMATION = {
    "customer_confirmed_by": "Mr. Huang (purchasing)",
    "customer_confirmed_on": in_days(0),
    "customer_confirmed_via": "Signed change form returned by email",
}


def post_data(order: Order, *, lines: list[dict[str, Any]] | None = None, **terms: Any) -> dict:
    """The change page's form as posted: the order's own terms and lines
    unless overridden."""
    rows = initial_lines(order) if lines is None else lines
    data: dict[str, Any] = {
        "requested_by": "Mr. Huang (purchasing)",
        "reason": "Agreed by phone",
        "deposit_percent": "" if order.deposit_percent is None else str(order.deposit_percent),
        "payment_days": "" if order.payment_days is None else str(order.payment_days),
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for key, value in terms.items():
        data[key] = value
    for i, row in enumerate(rows):
        for name, value in row.items():
            data[f"form-{i}-{name}"] = "" if value is None else str(value)
    return data


def with_line(order: Order, position: int, **fields: Any) -> list[dict[str, Any]]:
    rows = initial_lines(order)
    for row in rows:
        if row["position"] == position:
            row.update(fields)
    return rows


@pytest.fixture
def reviewed_order(walker, role_user) -> Order:
    """An order confirmed through a real contract review (two lines)."""
    order = OrderFactory(lines=2, salesperson=role_user("sales"))
    return walker(order, "confirmed")


def order_as_is(order: Order) -> tuple[Any, ...]:
    """Everything of the order a change could touch, read afresh."""
    order = Order.objects.get(pk=order.pk)
    return (
        order.state,
        order.step_seq,
        order.total,
        order.payment_days,
        order.deposit_percent,
        tuple(order.lines.values_list("position", "quantity", "unit_price", "amount", "spec")),
        snapshot(order),
    )


def draft(order: Order, user: Any, data: dict) -> ContractChange:
    proposal = ChangeProposal(order, data)
    assert proposal.is_valid(), (proposal.form.errors, proposal.formset.errors)
    return change_draft(
        order=order,
        user=user,
        terms=proposal.terms,
        lines=proposal.lines,
        batches=proposal.batches,
    )


KINDS = {
    "price": ({"lines": "with_line", "unit_price": "13.00"}, ("finance",)),
    "tax": ({"lines": "with_line", "tax_rate": "9"}, ("finance",)),
    "payment terms": ({"payment_days": "90"}, ("finance",)),
    "deposit": ({"deposit_percent": "30"}, ("finance",)),
    "quantity": ({"lines": "with_line", "quantity": "150"}, ("pmc",)),
    "specification": ({"lines": "with_line", "spec": "VF-500-B"}, ("tech", "qa")),
    "product": ({"lines": "with_line", "product": "Vacuum flask 750 ml"}, ("tech", "qa")),
    "price and quantity": (
        {"lines": "with_line", "unit_price": "13.00", "quantity": "150"},
        ("pmc", "finance"),
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_of_change_asks_exactly_its_departments(
    kind, reviewed_order, walker, role_user, django_assert_max_num_queries
):
    spec, expected = KINDS[kind]
    spec = dict(spec)
    order = reviewed_order
    lines = None
    if spec.pop("lines", None):
        lines = with_line(order, 1, **spec)
        spec = {}
    change = draft(order, role_user("sales_assistant"), post_data(order, lines=lines, **spec))
    change = walker.take(change, "change_submit")
    with django_assert_max_num_queries(40):
        change = walker.take(change, "change_approve")

    assert change.state == "re_review"
    assert tuple(change.asked) == expected
    assert tuple(waiting_roles(change)) == expected
    signed = {s.role: s for s in SignOff.objects.filter(object_id=change.pk, state="re_review")}
    carried = set(("tech", "pmc", "qa", "finance")) - set(expected)
    assert set(signed) == carried
    earlier = {
        s.role: s.user_id
        for s in SignOff.objects.filter(object_id=order.pk, state="contract_review")
    }
    for role, row in signed.items():
        assert row.user_id == earlier[role]
        assert row.comment.startswith("Carried forward")


def test_the_mapping_for_an_added_line_asks_every_department():
    assert departments_for({"product", "spec", "unit", "quantity", "unit_price", "tax_rate"}) == (
        "tech",
        "pmc",
        "qa",
        "finance",
    )
    assert departments_for(set()) == ()


def test_an_added_line_is_reviewed_by_every_department(reviewed_order, walker, role_user):
    order = reviewed_order
    rows = [
        *initial_lines(order),
        {
            "position": None,
            "product": "Lid",
            "spec": "L-1",
            "unit": "pcs",
            "quantity": "10",
            "unit_price": "2.00",
            "tax_rate": "13",
        },
    ]
    change = draft(order, role_user("sales_assistant"), post_data(order, lines=rows))
    assert change.lines.get(position=3).product == "Lid"
    change = walker.walk(change, ["change_submit", "change_approve"])
    assert change.asked == ["tech", "pmc", "qa", "finance"]
    assert not SignOff.objects.filter(object_id=change.pk, state="re_review").exists()


def test_a_finance_only_change_applies_as_rev_a_readable_as_approved(
    reviewed_order, walker, role_user
):
    order = reviewed_order
    before = snapshot(order)
    change = draft(
        order,
        role_user("sales_assistant"),
        post_data(order, lines=with_line(order, 1, unit_price="13.00"), payment_days="90"),
    )
    change = walker.walk(change, ["change_submit", "change_approve"])
    assert waiting_roles(change) == ["finance"]
    signoff_record(
        record=change,
        user=role_user("finance"),
        role="finance",
        decision="agree",
        seen_seq=change.step_seq,
    )
    change.refresh_from_db()
    change = walker.walk(change, ["change_to_customer", ("change_apply", CONFIRMATION)])

    order.refresh_from_db()
    assert change.state == "applied"
    line = order.lines.get(position=1)
    assert line.unit_price == Decimal("13.00")
    assert line.amount == Decimal("1300.00") and line.tax_amount == Decimal("169.00")
    assert order.payment_days == 90
    assert order.total == Decimal("1469.00") + Decimal("1412.50")
    original, rev_a = OrderRevision.objects.filter(record=order).order_by("number")
    assert (original.label, rev_a.label) == ("Original", "Rev A")
    assert original.snapshot == before
    assert rev_a.snapshot == snapshot(order)
    assert change.applied_revision == rev_a
    found = rev_a.diff_from(original)
    assert {c.name for c in found.fields} == {"payment_days", "total"}
    assert [(line.key, [c.name for c in line.changes]) for line in found.lines] == [
        (1, ["unit_price"])
    ]
    # A second change is Rev B, and the first revision still reads as approved.
    second = draft(
        order,
        role_user("sales_assistant"),
        post_data(order, lines=with_line(order, 2, spec="VF-500-B")),
    )
    second = walker.walk(second, ["change_submit", "change_approve"])
    assert second.asked == ["tech", "qa"]
    # Finance's re-review of the first change carries forward now.
    carried = SignOff.objects.get(object_id=second.pk, state="re_review", role="finance")
    assert carried.user == role_user("finance")
    walker.sign_all(second)
    second.refresh_from_db()
    walker.walk(second, ["change_to_customer", ("change_apply", CONFIRMATION)])
    assert [r.label for r in OrderRevision.objects.filter(record=order)] == [
        "Original",
        "Rev A",
        "Rev B",
    ]
    rev_a.refresh_from_db()
    assert rev_a.snapshot["lines"][1]["spec"] == "VF-500"


def test_the_order_page_shows_its_changes_and_revisions(role_user, client_for, walker):
    order = OrderFactory(state="confirmed", salesperson=role_user("sales"))
    client = client_for(role_user("sales_assistant"))
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'data-testid="new-change"' in page
    change = ChangeFactory(order=order, state="customer")
    change = walker.take(change, "change_apply", CONFIRMATION)
    page = client.get(order.get_absolute_url()).content.decode()
    assert change.reference in page and "Rev A" in page and "Original" in page
    assert 'data-testid="new-change"' in page  # the change is decided: another may follow
    shown = client.get(change.get_absolute_url()).content.decode()
    assert 'data-testid="change-difference"' in shown and "13.00" in shown
    printed = client.get(
        f"/orders/changes/{change.pk}/print/", headers={"accept-language": "zh-hans"}
    )
    text = printed.content.decode()
    assert printed.status_code == 200
    assert "合同更改单" in text and change.reference in text and "13.00" in text


def test_a_refused_change_leaves_the_order_as_it_was(reviewed_order, walker, role_user):
    order = reviewed_order
    before = order_as_is(order)
    change = draft(
        order,
        role_user("sales_assistant"),
        post_data(order, lines=with_line(order, 1, quantity="150")),
    )
    change = walker.walk(change, ["change_submit", "change_approve"])
    signoff_record(
        record=change,
        user=role_user("pmc"),
        role="pmc",
        decision="refuse",
        comment="No capacity in March",
        seen_seq=change.step_seq,
    )
    change.refresh_from_db()
    order.refresh_from_db()
    assert change.state == "refused"
    assert order_as_is(order) == before
    # The order keeps only its original, frozen when its contract was approved.
    assert [r.label for r in OrderRevision.objects.filter(record=order)] == ["Original"]
    # Refused, it no longer blocks a new change.
    assert ChangeProposal(order, post_data(order, payment_days="30")).is_valid()


def test_a_change_is_refused_once_its_batch_has_shipped(role_user):
    order = OrderFactory(state="warehoused", lines=2, salesperson=role_user("sales"))
    NoticeFactory(order=order, state="shipped", quantity=Decimal("10"))
    proposal = ChangeProposal(order, post_data(order, lines=with_line(order, 1, unit_price="13")))
    assert not proposal.is_valid()
    assert "batch has shipped" in str(proposal.formset.forms[0].errors)
    # The other line, not shipped, still changes.
    assert ChangeProposal(
        order, post_data(order, lines=with_line(order, 2, unit_price="13"))
    ).is_valid()
    assert not ContractChange.objects.exists()


def test_a_change_drafted_before_shipping_is_not_applied_after(walker, role_user):
    order = OrderFactory(state="warehoused", salesperson=role_user("sales"))
    change = ChangeFactory(order=order, state="customer")
    NoticeFactory(order=order, state="shipped", quantity=Decimal("10"))
    before = snapshot(order)
    with pytest.raises(StepNotAvailable, match="batches concerned have shipped"):
        transition_perform(
            record=change,
            name="change_apply",
            user=role_user("sales_assistant"),
            data=CONFIRMATION,
            seen_seq=change.step_seq,
        )
    change.refresh_from_db()
    assert change.state == "customer"
    assert snapshot(Order.objects.get(pk=order.pk)) == before


def test_a_second_open_change_is_refused_and_never_overwrites(role_user):
    order = OrderFactory(state="confirmed", salesperson=role_user("sales"))
    first = ChangeFactory(order=order)
    proposal = ChangeProposal(order, post_data(order, payment_days="30"))
    assert not proposal.is_valid()
    assert "Another change of this order is open" in str(proposal.form.non_field_errors())
    # Past the form too, the database keeps one open change per order.
    with pytest.raises(IntegrityError), transaction.atomic():
        ChangeFactory(order=order)
    assert list(ContractChange.objects.filter(order=order)) == [first]
    assert first.lines.get(position=1).unit_price == Decimal("13.00")


def test_the_change_page_refuses_a_second_change_with_a_message(role_user, client_for):
    order = OrderFactory(state="confirmed", salesperson=role_user("sales"))
    ChangeFactory(order=order)
    client = client_for(role_user("sales_assistant"))
    data = {**post_data(order, payment_days="30"), "order": order.pk}
    response = client.post("/orders/changes/new/", data)
    assert response.status_code == 400
    assert "Another change of this order is open" in response.content.decode()
    assert ContractChange.objects.filter(order=order).count() == 1


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("cancelled", "cancelled or closed"),
        ("closed", "cancelled or closed"),
        ("checking", "edit the order itself"),
    ],
)
def test_no_change_of_an_order_not_open_to_change(state, message, role_user):
    order = OrderFactory(state=state)
    proposal = ChangeProposal(order, post_data(order, payment_days="30"))
    assert not proposal.is_valid()
    assert message in str(proposal.form.non_field_errors())
    assert not ContractChange.objects.exists()


def test_a_change_that_changes_nothing_is_refused(role_user):
    order = OrderFactory(state="confirmed")
    proposal = ChangeProposal(order, post_data(order))
    assert not proposal.is_valid()
    assert "changes nothing" in str(proposal.form.non_field_errors())
    # Amounts are compared by value: 12.5 is the 12.50 the order has.
    proposal = ChangeProposal(order, post_data(order, lines=with_line(order, 1, unit_price="12.5")))
    assert not proposal.is_valid()
    assert not ContractChange.objects.exists()


def test_a_quantity_below_what_has_shipped_is_a_field_error(role_user, client_for):
    order = OrderFactory(state="shipping", salesperson=role_user("sales"))
    NoticeFactory(order=order, state="shipped", quantity=Decimal("40"))
    proposal = ChangeProposal(order, post_data(order, lines=with_line(order, 1, quantity="30")))
    assert not proposal.is_valid()
    assert "below the 40 already shipped" in str(proposal.formset.forms[0].errors["quantity"])
    # At or above what shipped, the quantity changes.
    assert ChangeProposal(
        order, post_data(order, lines=with_line(order, 1, quantity="40"))
    ).is_valid()
    # Through the page: a 400 with the message, nothing saved.
    client = client_for(role_user("sales_assistant"))
    data = {**post_data(order, lines=with_line(order, 1, quantity="30")), "order": order.pk}
    response = client.post("/orders/changes/new/", data)
    assert response.status_code == 400
    assert "below the 40 already shipped" in response.content.decode()
    assert not ContractChange.objects.exists()


def test_the_change_page_drafts_a_change_and_shows_the_difference(
    role_user, client_for, django_assert_max_num_queries
):
    order = OrderFactory(state="confirmed", salesperson=role_user("sales"))
    client = client_for(role_user("sales_assistant"))
    assert client.get(f"/orders/changes/new/?order={order.pk}").status_code == 200
    data = {**post_data(order, lines=with_line(order, 1, unit_price="13.00")), "order": order.pk}
    response = client.post("/orders/changes/new/", data)
    change = ContractChange.objects.get()
    assert response.status_code == 302
    assert change.total == Decimal("1469.00")
    assert change.salesperson == order.salesperson and change.customer == order.customer
    with django_assert_max_num_queries(40):
        page = client.get(change.get_absolute_url())
    text = page.content.decode()
    assert "12.50" in text and "13.00" in text
