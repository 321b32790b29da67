"""The proposal pages people open all day make a fixed number of queries,
however much there is: the record page and the report's pages with a report
of 10 and of 50 comparable projects (and one or four revisions). The list,
the inbox and the record page with 10 and with 100 proposals are the
contract suite's (tests/contract)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from proposals.models import ProposalReport
from tests.proposals.kit import MAX_QUERIES as PROCESS_QUERIES
from tests.proposals.kit import ComparableProjectFactory, ProposalFactory, report_sections
from tests.workflow_checks import get_within_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# One bound per page, the same for every size. Measured: record 12-13, report
# 10, print 13 (9, and the printout's letterhead and signature lines: the
# company, the audit log, its takers' roles, the sign-offs), report edit 9; the
# margin (3) is smaller than the 10 queries a per-row lookup would add with the
# smallest size.
MAX_QUERIES = {"record": PROCESS_QUERIES["record"], "report": 13, "print": 16, "report_edit": 12}


@pytest.fixture(
    params=[(10, 1), (50, 4)], ids=["10_comparables_1_revision", "50_comparables_4_revisions"]
)
def report_with_comparables(request, walker):
    """A proposal being researched whose draft, the last of ``revisions``, has
    ``n`` comparable projects; and the researcher writing it."""
    comparables, revisions = request.param
    record = ProposalFactory(state="researching", draft=report_sections())
    draft = record.current_draft()
    # Earlier revisions, returned before this one: renumber the draft last.
    ProposalReport.objects.filter(pk=draft.pk).update(revision=revisions)
    for revision in range(1, revisions):
        earlier = ProposalReport.objects.create(
            proposal=record, kind="preliminary", revision=revision, **report_sections()
        )
        ComparableProjectFactory.create_batch(3, report=earlier)
        earlier.submitted_at = earlier.created_at
        earlier.submitted_by = walker.user("researcher")
        earlier.save()
    draft.refresh_from_db()
    ComparableProjectFactory.create_batch(comparables, report=draft)
    return record, draft, walker.actor(record, "submit_preliminary")


def test_proposal_record_page_queries_do_not_grow_with_the_report(
    report_with_comparables, client_for, django_assert_max_num_queries
):
    record, draft, researcher = report_with_comparables

    response, _ = get_within_queries(
        client_for(researcher),
        record.get_absolute_url(),
        django_assert_max_num_queries,
        MAX_QUERIES["record"],
    )

    assert response.context["draft"] == draft
    assert len(response.context["reports"]) == draft.revision
    submit = [
        a["action"] for a in response.context["actions"] if a["action"].name == "submit_preliminary"
    ]
    assert submit[0].enabled


@pytest.mark.parametrize(
    ("page", "query"), [("report", ""), ("print", "?print=1")], ids=["report", "print"]
)
def test_report_pages_queries_do_not_grow_with_the_comparables(
    page, query, report_with_comparables, client_for, django_assert_max_num_queries
):
    record, draft, researcher = report_with_comparables
    url = reverse("proposals:report", kwargs={"pk": record.pk, "revision": draft.revision})

    response, _ = get_within_queries(
        client_for(researcher), url + query, django_assert_max_num_queries, MAX_QUERIES[page]
    )

    assert len(response.context["comparables"]) == draft.comparables.count()
    assert response.content.decode().count("Comparable estate") == len(
        response.context["comparables"]
    )


def test_report_edit_page_queries_do_not_grow_with_the_comparables(
    report_with_comparables, client_for, django_assert_max_num_queries
):
    record, draft, researcher = report_with_comparables
    url = reverse("proposals:report_edit", kwargs={"pk": record.pk, "revision": draft.revision})

    response, _ = get_within_queries(
        client_for(researcher), url, django_assert_max_num_queries, MAX_QUERIES["report_edit"]
    )

    assert response.context["comparables"].initial_form_count() == draft.comparables.count()
