"""Won twice at once (two tabs, two clicks) opens exactly one order: the
quotation's row lock (select_for_update) and its step number decide."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django_fsm_log.models import StateLog

from orders.models import Order, OrderLine, Quotation
from tests.quotations.kit import QuotationFactory
from tests.workflow_checks import together
from workflows.services import StaleRecord, transition_perform

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def press_won(pk: int, user: Any) -> Any:
    page = Quotation.objects.get(pk=pk)  # the page the browser showed
    return lambda: transition_perform(
        record=page, name="quote_win", user=user, data={}, seen_seq=page.step_seq
    )


@pytest.mark.parametrize("attempt", range(3))
def test_won_submitted_twice_at_once_opens_exactly_one_order(attempt):
    quotation = QuotationFactory(state="negotiating", lines=2)

    outcomes = together(
        press_won(quotation.pk, quotation.salesperson),
        press_won(quotation.pk, quotation.salesperson),
    )

    winners = [o for o in outcomes if isinstance(o, Quotation)]
    losers = [o for o in outcomes if not isinstance(o, Quotation)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], StaleRecord), outcomes
    quotation.refresh_from_db()
    order = Order.objects.get()
    assert quotation.state == "won" and quotation.order_id == order.pk
    assert OrderLine.objects.filter(order=order).count() == 2
    assert StateLog.objects.for_(quotation).filter(transition="quote_win").count() == 1
