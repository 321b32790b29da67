"""Two tabs save the same draft at the same moment: the row lock lets one save
through, the other is told its page is stale and keeps its text.

Needs PostgreSQL (SQLite has no row locks): run with
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from proposals.models import ProposalReport
from tests.factories import UserFactory
from tests.proposals.kit import ProposalFactory, report_post_data
from tests.workflow_checks import together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


@pytest.mark.parametrize("attempt", range(3))
def test_two_saves_of_one_draft_at_once_keep_exactly_one(attempt, client_for):
    record = ProposalFactory(state="researching")
    report = record.current_draft()
    researchers = UserFactory.create_batch(2, roles=["researcher"])
    url = reverse("proposals:report_edit", kwargs={"pk": record.pk, "revision": 1})
    # Both pages were shown before either was saved.
    pages = {
        f"Written in tab {i}": (
            client_for(user),
            report_post_data(report, site=f"Written in tab {i}"),
        )
        for i, user in enumerate(researchers)
    }

    outcomes = together(
        *(lambda c=client, d=data: c.post(url, d) for client, data in pages.values())
    )

    statuses = sorted(response.status_code for response in outcomes)
    assert statuses == [302, 409], outcomes
    (winner,) = [text for text, r in zip(pages, outcomes, strict=True) if r.status_code == 302]
    (loser,) = [r for r in outcomes if r.status_code == 409]
    saved = ProposalReport.objects.get(pk=report.pk)
    assert (saved.site, saved.version) == (winner, 1)
    assert saved.updated_by_id in {u.pk for u in researchers}
    (kept,) = [text for text in pages if text != winner]
    assert kept in loser.content.decode()
