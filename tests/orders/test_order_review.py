"""The order's own rules: a phone or fax order is confirmed and signed before
checking, the order follower may send it back with the unclear points, the
four departments of the contract review approve, approve with conditions (shown
to everyone afterwards) or refuse (back to checking with the reason), and a
major order (over the threshold kept in the admin, or marked) goes to
leadership after the marketing manager."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_fsm_log.models import StateLog

from orders.models import MajorOrderThreshold, Order, ShippingNotice
from tests.kits import snapshot
from tests.orders.kit import NoticeFactory, OrderFactory
from tests.workflow_checks import messages_of, step_url, url
from workflows.models import SignOff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

REVIEWERS = ("tech", "pmc", "qa", "finance")


def actions(client, order) -> dict[str, str]:
    """The steps the page offers, with the reason of each disabled one."""
    page = client.get(order.get_absolute_url())
    return {a["action"].name: str(a["action"].reason) for a in page.context["actions"]}


def sign(client, order, role: str, decision: str, comment: str = ""):
    return client.post(
        url(order, "sign"),
        {"role": role, "decision": decision, "comment": comment, "_seq": order.step_seq},
    )


@pytest.mark.parametrize("channel", ["phone", "fax"])
def test_a_phone_or_fax_order_is_confirmed_and_signed_before_checking(
    channel, role_user, client_for
):
    sales = role_user("sales")
    order = OrderFactory(channel=channel, salesperson=sales)
    client = client_for(sales)

    offered = actions(client, order)
    assert "customer's confirmation and the salesperson's signature" in offered["submit"]
    before = snapshot(order)
    response = client.post(step_url(order, "submit"), {"_seq": order.step_seq}, follow=True)
    assert snapshot(order) == before
    assert "customer's confirmation" in messages_of(response)[0]

    response = client.post(
        step_url(order, "record_confirmation"),
        {
            "confirmed_by": "Mr. Huang",
            "confirmed_on": order.order_date.isoformat(),
            "confirmed_via": "Called back, read the lines",
            "_seq": order.step_seq,
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.signed_at is not None
    assert actions(client, order)["submit"] == ""
    assert client.post(step_url(order, "submit"), {"_seq": order.step_seq}).status_code == 302
    order.refresh_from_db()
    assert order.state == "checking"


def test_a_contract_order_needs_no_confirmation(role_user, client_for):
    sales = role_user("sales")
    order = OrderFactory(channel="contract", salesperson=sales)

    assert actions(client_for(sales), order)["submit"] == ""


def test_the_order_follower_sends_it_back_with_the_unclear_points(role_user, client_for):
    order = OrderFactory(state="checking")
    follower = client_for(role_user("sales_assistant"))

    missing = follower.post(step_url(order, "send_back"), {"_seq": order.step_seq})
    assert missing.status_code == 400

    response = follower.post(
        step_url(order, "send_back"),
        {"unclear_points": "Colour of line 1?", "_seq": order.step_seq},
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.state, order.unclear_points) == ("received", "Colour of line 1?")
    page = client_for(order.salesperson).get(order.get_absolute_url()).content.decode()
    assert "Colour of line 1?" in page


def test_the_four_departments_review_and_conditions_are_shown_to_everyone(role_user, client_for):
    order = OrderFactory(state="contract_review")
    follower = client_for(role_user("sales_assistant"))
    assert "Waiting for every department" in actions(follower, order)["submit_approval"]

    refused_without_conditions = sign(
        client_for(role_user("finance")), order, "finance", "conditional"
    )
    assert refused_without_conditions.status_code == 400
    assert not SignOff.objects.exists()

    sign(
        client_for(role_user("finance")),
        order,
        "finance",
        "conditional",
        "30% deposit before production.",
    )
    sign(client_for(role_user("tech")), order, "tech", "agree")
    sign(client_for(role_user("pmc")), order, "pmc", "conditional", "Delivery in two batches.")
    assert "Waiting for every department" in actions(follower, order)["submit_approval"]
    sign(client_for(role_user("qa")), order, "qa", "agree")

    assert actions(follower, order)["submit_approval"] == ""
    response = follower.post(step_url(order, "submit_approval"), {"_seq": order.step_seq})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == "contract_approval"
    # Afterwards everyone reading the order sees the conditions: page and printout.
    readers = [order.salesperson] + [
        role_user(role) for role in ("sales_assistant", "finance", "marketing_manager", "pmc")
    ]
    for reader in readers:
        role = reader.username
        client = client_for(reader)
        page = client.get(order.get_absolute_url())
        assert [(c["role"], c["comment"]) for c in page.context["conditions"]] == [
            ("finance", "30% deposit before production."),
            ("pmc", "Delivery in two batches."),
        ], role
        printed = client.get(url(order, "print")).content.decode()
        assert "30% deposit before production." in printed


def test_a_refusal_returns_the_order_to_checking_with_the_reason(role_user, client_for):
    order = OrderFactory(state="contract_review")
    sign(client_for(role_user("tech")), order, "tech", "agree")
    seq = order.step_seq

    no_reason = sign(client_for(role_user("qa")), order, "qa", "refuse", " ")
    assert no_reason.status_code == 400
    response = sign(
        client_for(role_user("qa")), order, "qa", "refuse", "Tolerance ±0.1 mm is not feasible."
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.state, order.step_seq) == ("checking", seq + 1)
    log = StateLog.objects.for_(order).latest("pk")
    assert log.transition == "review_return"
    assert log.description == "Quality department: Tolerance ±0.1 mm is not feasible."
    # Reviewed again, every department signs anew (the earlier visit's signatures do not count).
    client_for(role_user("sales_assistant")).post(
        step_url(order, "submit_review"), {"_seq": order.step_seq}
    )
    order.refresh_from_db()
    assert order.state == "contract_review"
    page = client_for(role_user("tech")).get(order.get_absolute_url())
    assert page.context["signoff"]["form"] is not None


@pytest.mark.parametrize(
    ("threshold", "marked", "major"),
    [
        (None, False, False),  # no threshold for the currency
        (Decimal("1412.50"), False, False),  # the total (1,412.50) is not above it
        (Decimal("1412.49"), False, True),
        (Decimal("1000000"), True, True),  # marked major whatever the amount
    ],
)
def test_a_major_order_goes_to_leadership_after_the_marketing_manager(
    threshold, marked, major, role_user, client_for
):
    if threshold is not None:
        MajorOrderThreshold.objects.create(currency="CNY", amount=threshold)
    MajorOrderThreshold.objects.create(currency="USD", amount=Decimal("1"))
    order = OrderFactory(state="contract_approval", major=marked)
    assert order.total == Decimal("1412.50")
    manager = client_for(role_user("marketing_manager"))

    offered = actions(manager, order)

    if major:
        assert offered["approve"].startswith("A major order is approved by leadership")
        assert offered["approve_refer"] == ""
        manager.post(step_url(order, "approve_refer"), {"_seq": order.step_seq})
        order.refresh_from_db()
        assert order.state == "leadership_approval"
        gm = client_for(role_user("gm"))
        assert (
            gm.post(step_url(order, "leader_approve"), {"_seq": order.step_seq}).status_code == 302
        )
        order.refresh_from_db()
        assert order.leader_approved_by == role_user("gm")
    else:
        assert offered["approve"] == ""
        assert offered["approve_refer"] == "Only a major order goes to leadership."
        before = snapshot(order)
        refused = manager.post(step_url(order, "approve_refer"), {"_seq": order.step_seq})
        assert refused.status_code == 302 and snapshot(order) == before
        manager.post(step_url(order, "approve"), {"_seq": order.step_seq})
        order.refresh_from_db()
    assert order.state == "confirmed"
    assert order.approved_by == role_user("marketing_manager")


def test_the_internal_order_and_work_order_get_numbers_of_their_own(advance):
    first = advance(OrderFactory(), "planning")
    second = advance(OrderFactory(), "planning")

    assert first.internal_order_no.startswith("IO-")
    assert first.work_order_no.startswith("WO-")
    assert len({first.internal_order_no, second.internal_order_no}) == 2
    assert len({first.work_order_no, second.work_order_no}) == 2


def test_cancelling_needs_a_reason_and_is_not_possible_once_shipped(advance, role_user, client_for):
    manager = client_for(role_user("marketing_manager"))
    order = advance(OrderFactory(), "warehoused")

    no_reason = manager.post(step_url(order, "cancel"), {"comment": "", "_seq": order.step_seq})
    assert no_reason.status_code == 400

    shipped = advance(OrderFactory(), "shipping")
    before = snapshot(shipped)
    response = manager.post(
        step_url(shipped, "cancel"), {"comment": "Customer withdrew.", "_seq": shipped.step_seq}
    )
    assert response.status_code == 302
    assert snapshot(shipped) == before
    assert "cancel" not in actions(manager, shipped)

    response = manager.post(
        step_url(order, "cancel"), {"comment": "Customer withdrew.", "_seq": order.step_seq}
    )
    order.refresh_from_db()
    assert order.state == Order.State.CANCELLED


def test_an_order_with_a_shipping_notice_in_progress_is_not_cancelled(role_user, client_for):
    manager = client_for(role_user("marketing_manager"))
    notice = NoticeFactory(state="draft")  # of a warehoused order
    order = notice.order
    before = snapshot(order)

    shown = actions(manager, order)["cancel"]
    response = manager.post(
        step_url(order, "cancel"), {"comment": "Customer withdrew.", "_seq": order.step_seq}
    )

    assert "cancel the notice first" in shown
    assert response.status_code in (302, 400)
    assert snapshot(order) == before
    ShippingNotice.objects.filter(pk=notice.pk).update(state="cancelled")
    manager.post(
        step_url(order, "cancel"), {"comment": "Customer withdrew.", "_seq": order.step_seq}
    )
    order.refresh_from_db()
    assert order.state == Order.State.CANCELLED
