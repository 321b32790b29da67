"""The demo complaints cover every path, a reopened and a recurrent one among them."""

from __future__ import annotations

import pytest

from complaints import demo
from complaints.models import Complaint, ComplaintAction
from tests.factories import UserFactory
from workflows.roles import ROLES

pytestmark = pytest.mark.django_db


def test_the_demo_walks_complaints_into_every_state():
    users = {role.code: UserFactory(roles=[role.code]) for role in ROLES}

    assert demo.load(users) is True
    assert demo.load(users) is False  # loaded once

    states = set(Complaint.objects.values_list("state", flat=True))
    assert states == set(Complaint.State.values)
    assert Complaint.objects.filter(round__gt=1, rounds__isnull=False).count() >= 2
    assert Complaint.objects.filter(is_recurrence=True, recurrence_of__isnull=False).exists()
    actions = set(ComplaintAction.objects.values_list("state", flat=True))
    assert {ComplaintAction.State.OPEN, ComplaintAction.State.VERIFIED} <= actions
