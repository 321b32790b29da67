"""A sign-off that asks, per record, only some of its departments
(``SignOffStep.asked_field``): the others are not waited for, cannot sign,
do not see the record in their inbox, and the step completes without them."""

from __future__ import annotations

import pytest

from tests.testflows.kit import ReviewFactory
from tests.testflows.models import Review
from workflows.conditions import all_signed
from workflows.rights import actionable
from workflows.selectors import waiting_roles
from workflows.services import StepNotAvailable, signoff_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def consulting(consulted: str) -> Review:
    record = ReviewFactory(state="consulting")
    Review.objects.filter(pk=record.pk).update(consulted=consulted)
    record.refresh_from_db()
    return record


def signed_by_query(record: Review) -> bool:
    return Review.objects.filter(all_signed.q(Review), pk=record.pk).exists()


def test_only_the_departments_asked_sign(role_user):
    record = consulting("finance")
    both = consulting("")
    strategy, finance = role_user("strategy"), role_user("finance")

    assert record.current_sign_off_step().roles == ("finance",)
    assert waiting_roles(record) == ["finance"]
    assert waiting_roles(both) == ["strategy", "finance"]
    assert set(actionable(Review, strategy)) == {both}
    assert set(actionable(Review, finance)) == {record, both}
    with pytest.raises(StepNotAvailable, match="does not sign this step"):
        signoff_record(
            record=record, user=strategy, role="strategy", decision="agree",
            seen_seq=record.step_seq,
        )  # fmt: skip
    assert not all_signed(record) and not signed_by_query(record)

    signoff_record(
        record=record, user=finance, role="finance", decision="agree", seen_seq=record.step_seq
    )

    record.refresh_from_db()
    assert all_signed(record) and signed_by_query(record)
    assert "finance" not in waiting_roles(record)  # the step after the sign-off waits
    assert not actionable(Review, finance).filter(pk=record.pk).exists()
    assert not signed_by_query(both)
