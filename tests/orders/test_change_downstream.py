"""A contract change applied is told downstream: PMC acknowledges it while
the production work order is in progress and the change alters what is
produced, the warehouse while a shipping notice is not yet shipped and the
change alters the lines; nobody else is asked, an acknowledgement is taken
once and only by the department asked, and the last one closes the change.
A change that concerns nobody downstream closes when it applies. A change
may not lower a line below what has shipped or is on a notice in progress."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from orders.change_forms import ChangeProposal
from orders.models import ContractChange, Order, OrderRevision
from tests.orders.change_kit import ChangeFactory
from tests.orders.kit import NoticeFactory, OrderFactory
from tests.orders.test_changes import CONFIRMATION, draft, post_data, with_line
from tests.workflow_checks import messages_of, url
from workflows.models import Notification, Outbox, SignOff
from workflows.outbox import outbox_run
from workflows.rights import actionable
from workflows.selectors import waiting_roles
from workflows.services import StaleRecord, StepNotAvailable, signoff_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def to_customer(order: Order, user, walker, **line) -> ContractChange:
    """A change of line 1 of ``order`` (``line`` fields) walked to the
    customer's confirmation, every department asked agreeing."""
    change = draft(order, user, post_data(order, lines=with_line(order, 1, **line)))
    return walker.walk(change, ["change_submit", "change_approve", "change_to_customer"])


def apply(change: ContractChange, walker) -> ContractChange:
    return walker.take(change, "change_apply_ack", CONFIRMATION)


def deliver_outbox() -> None:
    for entry in Outbox.objects.filter(done_at__isnull=True):  # as the worker does
        outbox_run(entry.pk)


@pytest.fixture
def in_production(walker, role_user) -> Order:
    """An order through contract review into production (its work order issued)."""
    order = OrderFactory(lines=2, salesperson=role_user("sales"))
    return walker(order, "in_production")


def test_a_quantity_change_in_production_asks_pmc_alone(in_production, walker, role_user):
    order = in_production
    pmc, warehouse = role_user("pmc"), role_user("warehouse")
    change = to_customer(order, role_user("sales_assistant"), walker, quantity="150")
    assert change.downstream_roles() == ("pmc",)
    Outbox.objects.all().delete()
    Notification.objects.all().delete()

    change = apply(change, walker)

    assert change.state == "downstream_ack"
    assert change.acknowledging == ["pmc"]
    assert waiting_roles(change) == ["pmc"]
    assert change.step_due_at is not None  # the engine's clock reminds and escalates
    # The order is changed already, as its next revision.
    order.refresh_from_db()
    assert order.lines.get(position=1).quantity == Decimal("150")
    assert [r.label for r in OrderRevision.objects.filter(record=order)] == ["Original", "Rev A"]
    # PMC is told; the warehouse is not.
    deliver_outbox()
    told = set(
        Notification.objects.filter(
            content_type=ContentType.objects.get_for_model(ContractChange), object_id=change.pk
        ).values_list("recipient", flat=True)
    )
    assert pmc.pk in told and warehouse.pk not in told
    # PMC's inbox has it; the warehouse's does not.
    assert list(actionable(ContractChange, pmc)) == [change]
    assert not actionable(ContractChange, warehouse).exists()

    # The warehouse is not asked, and nobody signs for PMC but PMC.
    with pytest.raises(StepNotAvailable, match="does not sign this step"):
        signoff_record(
            record=change, user=warehouse, role="warehouse", decision="agree",
            seen_seq=change.step_seq,
        )  # fmt: skip
    with pytest.raises(PermissionDenied, match="You do not belong to"):
        signoff_record(
            record=change, user=role_user("finance"), role="pmc", decision="agree",
            seen_seq=change.step_seq,
        )  # fmt: skip
    assert not SignOff.objects.filter(object_id=change.pk, state="downstream_ack").exists()

    signoff_record(record=change, user=pmc, role="pmc", decision="agree", seen_seq=change.step_seq)
    change.refresh_from_db()
    assert change.state == "applied"  # the last acknowledgement closes the change
    # A second acknowledgement is refused with a message; nothing doubles.
    with pytest.raises((StepNotAvailable, StaleRecord)):
        signoff_record(
            record=change, user=pmc, role="pmc", decision="agree", seen_seq=change.step_seq
        )
    assert SignOff.objects.filter(object_id=change.pk, state="downstream_ack").count() == 1


def test_a_price_change_with_a_notice_waiting_asks_the_warehouse_alone(walker, role_user):
    order = OrderFactory(state="warehoused", lines=2, salesperson=role_user("sales"))
    NoticeFactory(order=order, state="finance_review", quantity=Decimal("10"))
    change = ChangeFactory(order=order, state="customer")
    assert change.downstream_roles() == ("warehouse",)

    change = apply(change, walker)

    assert change.state == "downstream_ack"
    assert waiting_roles(change) == ["warehouse"]
    assert not actionable(ContractChange, role_user("pmc")).exists()
    assert list(actionable(ContractChange, role_user("warehouse"))) == [change]


def test_payment_terms_alone_concern_nobody_downstream(in_production, walker, role_user):
    order = in_production
    NoticeFactory(order=order, state="draft")
    change = draft(order, role_user("sales_assistant"), post_data(order, payment_days="90"))
    change = walker.walk(change, ["change_submit", "change_approve", "change_to_customer"])
    assert change.downstream_roles() == ()
    with pytest.raises(StepNotAvailable, match="applies directly"):
        apply(change, walker)

    change = walker.take(change, "change_apply", CONFIRMATION)

    assert change.state == "applied" and change.ack_roles == ""


def test_both_departments_acknowledge_each_once_through_the_page(
    in_production, walker, role_user, client_for
):
    order = in_production
    NoticeFactory(order=order, state="draft", quantity=Decimal("10"))
    change = to_customer(order, role_user("sales_assistant"), walker, quantity="150")
    change = apply(change, walker)
    assert change.acknowledging == ["pmc", "warehouse"]
    page = client_for(role_user("sales_assistant")).get(change.get_absolute_url())
    shown = page.content.decode()
    assert 'data-testid="acknowledgements"' in shown
    assert shown.count("not acknowledged yet") == 2

    pmc = client_for(role_user("pmc"))
    data = {"role": "pmc", "decision": "agree", "comment": "", "_seq": change.step_seq}
    first = pmc.post(url(change, "sign"), data, follow=True)
    again = pmc.post(url(change, "sign"), data, follow=True)

    assert messages_of(first)[-1] == "Your sign-off was recorded."
    assert "already signed" in messages_of(again)[-1]
    # A department not asked on this change is not offered, and changes nothing.
    wrong = client_for(role_user("finance")).post(
        url(change, "sign"), {**data, "role": "finance"}, follow=True
    )
    assert wrong.status_code in (400, 403)
    change.refresh_from_db()
    assert change.state == "downstream_ack" and waiting_roles(change) == ["warehouse"]
    shown = client_for(role_user("sales_assistant")).get(change.get_absolute_url())
    assert shown.content.decode().count("not acknowledged yet") == 1

    warehouse = client_for(role_user("warehouse"))
    done = warehouse.post(url(change, "sign"), {**data, "role": "warehouse"}, follow=True)
    assert messages_of(done)[-1] == "Your sign-off was recorded."
    change.refresh_from_db()
    assert change.state == "applied"
    assert SignOff.objects.filter(object_id=change.pk, state="downstream_ack").count() == 2


def test_a_quantity_below_a_notice_in_progress_is_a_field_error(role_user, client_for):
    order = OrderFactory(state="warehoused", salesperson=role_user("sales"))
    NoticeFactory(order=order, state="shipped", quantity=Decimal("20"))
    NoticeFactory(order=order, state="approved", quantity=Decimal("30"))
    proposal = ChangeProposal(order, post_data(order, lines=with_line(order, 1, quantity="40")))
    assert not proposal.is_valid()
    errors = str(proposal.formset.forms[0].errors["quantity"])
    assert "below the 50 already shipped or on shipping notices in progress" in errors
    # Below what shipped, the message says shipped.
    proposal = ChangeProposal(order, post_data(order, lines=with_line(order, 1, quantity="10")))
    assert not proposal.is_valid()
    assert "below the 20 already shipped." in str(proposal.formset.forms[0].errors["quantity"])
    # At what the notices hold, the quantity changes.
    assert ChangeProposal(
        order, post_data(order, lines=with_line(order, 1, quantity="50"))
    ).is_valid()
    # Through the page: a 400 with the message, nothing saved.
    client = client_for(role_user("sales_assistant"))
    data = {**post_data(order, lines=with_line(order, 1, quantity="40")), "order": order.pk}
    response = client.post("/orders/changes/new/", data)
    assert response.status_code == 400
    assert "on shipping notices in progress" in response.content.decode()
    assert not ContractChange.objects.exists()


def test_a_line_on_a_notice_in_progress_is_not_removed(role_user):
    order = OrderFactory(state="warehoused", lines=2, salesperson=role_user("sales"))
    NoticeFactory(order=order, state="draft", quantity=Decimal("5"))
    rows = [r for r in with_line(order, 2, unit_price="13") if r["position"] != 1]
    proposal = ChangeProposal(order, post_data(order, lines=rows))
    assert not proposal.is_valid()
    assert "shipping notice in progress" in str(proposal.formset.non_form_errors())


def test_a_change_is_not_applied_below_a_notice_drafted_since(walker, role_user):
    order = OrderFactory(state="warehoused", salesperson=role_user("sales"))
    change = draft(
        order,
        role_user("sales_assistant"),
        post_data(order, lines=with_line(order, 1, quantity="40")),
    )
    change = walker.walk(change, ["change_submit", "change_approve", "change_to_customer"])
    NoticeFactory(order=order, state="draft", quantity=Decimal("60"))
    with pytest.raises(StepNotAvailable, match="can no longer be changed"):
        apply(change, walker)
    change.refresh_from_db()
    assert change.state == "customer"
    assert Order.objects.get(pk=order.pk).lines.get(position=1).quantity == Decimal("100")
