"""The demo quotations, walked through the engine with the orders' demo."""

from __future__ import annotations

import pytest

from orders import demo
from orders.models import Order, Quotation
from tests.factories import UserFactory
from workflows.roles import ROLES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_the_demo_walks_a_quotation_into_each_state_once():
    users = {role.code: UserFactory(roles=[role.code]) for role in ROLES}

    assert demo.load(users) is True
    assert demo.load(users) is False

    states = list(Quotation.objects.order_by("pk").values_list("state", flat=True))
    assert states == [
        "inquiry",
        "preparing",
        "leadership_review",
        "sent",
        "sent",
        "won",
        "lost",
        "declined",
    ]
    renegotiated = Quotation.objects.order_by("pk")[4]
    assert [r.label for r in renegotiated.revisions.all()] == ["Original", "Rev A"]
    won = Quotation.objects.get(state="won")
    assert Order.objects.get(quotation=won).channel == "quotation"
