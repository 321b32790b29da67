"""The proposal pages people open all day make a fixed number of queries,
however much there is: the list and the inbox with 10 and with 100
proposals, the record page and the report's pages with a report of 10 and of
50 comparable projects (and one or four revisions)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from factories import ComparableProjectFactory, ProposalFactory, UserFactory, report_sections
from workflow_checks import check_list_page_queries, check_record_page_queries, get_within_queries

from proposals.models import ProposalReport

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# One bound per page, the same for every size. Measured: list 9, inbox 7-8 (a
# count query once there are more than it shows), record 12-13, report 10,
# print 9, report edit 9; the margin (3) is smaller than the 10 queries a
# per-row lookup would add with the smallest size.
MAX_QUERIES = {
    "list": 12,
    "inbox": 11,
    "record": 16,
    "report": 13,
    "print": 12,
    "report_edit": 12,
}


@pytest.fixture(params=[10, 100], ids=lambda n: f"{n}_proposals")
def researcher_with_inbox(request, role_user):
    """A researcher with ``n`` proposals waiting for an assessment, from three
    business developers."""
    researcher = role_user("researcher")
    owners = UserFactory.create_batch(3, roles=["bd"])
    records = [
        ProposalFactory(state="assessing", owner=owners[i % 3]) for i in range(request.param)
    ]
    return researcher, records


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


def test_proposal_list_queries_do_not_grow_with_the_proposals(
    researcher_with_inbox, client_for, django_assert_max_num_queries
):
    researcher, records = researcher_with_inbox

    check_list_page_queries(
        client_for(researcher),
        reverse("proposals:proposal_list"),
        records,
        django_assert_max_num_queries,
        MAX_QUERIES["list"],
    )


def test_inbox_queries_do_not_grow_with_the_proposals(
    researcher_with_inbox, client_for, django_assert_max_num_queries
):
    researcher, records = researcher_with_inbox

    response, _ = get_within_queries(
        client_for(researcher),
        reverse("workflows:inbox"),
        django_assert_max_num_queries,
        MAX_QUERIES["inbox"],
    )

    (section,) = [s for s in response.context["sections"] if s.key == "proposals.proposal"]
    assert section.count == len(records)
    assert len(response.context["rows"]) == min(len(records), 50)


def test_proposal_record_page_queries_do_not_grow_with_the_proposals(
    researcher_with_inbox, client_for, django_assert_max_num_queries
):
    researcher, records = researcher_with_inbox

    check_record_page_queries(
        client_for(researcher),
        records[len(records) // 2],
        ["recommend"],
        django_assert_max_num_queries,
        MAX_QUERIES["record"],
    )


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
