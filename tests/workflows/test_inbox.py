"""The inbox lists what the user can do now, naming the step; what waits on
others has a part of its own naming whom; the record page says who must act
next; each part of the inbox makes a fixed number of queries and shows a page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.testflows.kit import JobFactory, ReviewFactory
from tests.testflows.models import Job, Review
from workflows.models import Escalation
from workflows.rights import actionable, waiting_on_others
from workflows.selectors import INBOX_PAGE, inbox, waiting_on
from workflows.services import signoff_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

INBOX = reverse("workflows:inbox")


def sign(record: Job, user: Any, role: str) -> None:
    record.refresh_from_db()
    signoff_record(record=record, user=user, role=role, decision="agree", seen_seq=record.step_seq)


def texts(items: list[Any]) -> list[str]:
    return [str(i) for i in items]


def row_of(html: str, record: Job) -> str:
    start = html.index(f'<a href="{record.get_absolute_url()}">')
    return html[start : html.index("</tr>", start)]


# --- Each entry names the step that waits for me ----------------------------------------


def test_each_entry_names_the_step_the_user_takes(role_user, client_for):
    record = JobFactory()
    response = client_for(role_user("sales_assistant")).get(INBOX)

    ((_section, row),) = response.context["rows"]
    assert row == record
    assert texts(row.inbox_steps) == ["Schedule"]
    assert "Schedule" in row_of(response.content.decode(), record)


def test_a_signer_reads_the_signature_it_owes(role_user, client_for):
    record = JobFactory(state="rejected")
    response = client_for(role_user("qa")).get(INBOX)

    ((_section, row),) = response.context["rows"]
    assert row == record
    assert texts(row.inbox_steps) == ["Sign: Rejection received by QA and the workshop"]


def test_an_owner_reads_every_step_open_to_them(client_for):
    record = JobFactory(state="delivered")
    response = client_for(record.requester).get(INBOX)

    ((_section, row),) = response.context["rows"]
    # Cancelling is possible but kept out of the inbox: it is not named.
    assert texts(row.inbox_steps) == ["Record a follow-up", "Accept", "Reject"]


def test_a_step_sharing_its_state_with_the_users_signature_is_named_only_when_possible(
    role_user, client_for
):
    # The requester also signs for QA: in "rejected" their signature is owed now
    # (so the record is to do, not waiting), while their own step waits for the
    # signatures and is not named.
    owner = role_user("sales", "qa")
    record = JobFactory(state="rejected", requester=owner)
    client = client_for(owner)

    response = client.get(INBOX)
    ((_section, row),) = response.context["rows"]
    assert texts(row.inbox_steps) == ["Sign: Rejection received by QA and the workshop"]
    assert response.context["waiting"] == []

    sign(record, owner, "qa")
    response = client.get(INBOX)
    assert response.context["rows"] == []
    ((_section, row),) = response.context["waiting"]
    assert texts(row.inbox_steps) == ["Redo as a new job"]
    assert texts(row.waiting_on) == ["Sample room"]


def test_steps_of_different_states_are_named_by_the_state(role_user, client_for):
    # pmc takes "Take back" from "outsourced" and its own step from "working":
    # each row names the step of its state alone.
    pmc = role_user("pmc")
    working, outsourced = JobFactory(state="working"), JobFactory(state="outsourced")

    rows = dict((r, texts(r.inbox_steps)) for _s, r in client_for(pmc).get(INBOX).context["rows"])

    assert rows[outsourced] == ["Take back"]
    assert len(rows[working]) == 1 and rows[working] != ["Take back"]


# --- A step that waits on others is not "to do" -----------------------------------------


def test_a_step_waiting_for_signatures_is_in_the_waiting_part_naming_whom(role_user, client_for):
    record = JobFactory(state="rejected")
    client = client_for(record.requester)

    response = client.get(INBOX)

    assert response.context["rows"] == []
    ((_section, row),) = response.context["waiting"]
    assert row == record
    assert texts(row.inbox_steps) == ["Redo as a new job"]
    assert texts(row.waiting_on) == ["Quality department", "Sample room"]
    html = response.content.decode()
    assert 'data-testid="inbox-waiting"' in html
    assert "Quality department, Sample room" in row_of(html, record)

    sign(record, role_user("qa"), "qa")
    ((_section, row),) = client.get(INBOX).context["waiting"]
    assert texts(row.waiting_on) == ["Sample room"]

    sign(record, role_user("sample_room"), "sample_room")
    response = client.get(INBOX)
    assert response.context["waiting"] == []
    ((_section, row),) = response.context["rows"]
    assert row == record and texts(row.inbox_steps) == ["Redo as a new job"]


def test_a_colleague_without_the_owners_right_has_neither_part(client_for):
    record = JobFactory(state="rejected")
    colleague = UserFactory(roles=["sales"])

    (section,) = [s for s in inbox(colleague) if s.model is Job]

    assert (section.count, section.waiting_count) == (0, 0)
    assert record not in section.waiting


def test_what_waits_on_others_is_not_actionable():
    record = JobFactory(state="rejected")

    assert list(actionable(Job, record.requester)) == []
    assert list(waiting_on_others(Job, record.requester)) == [record]


# --- The record page says who must act next ---------------------------------------------


def waiting_line(response: Any) -> str:
    match = re.search(r'data-testid="waiting-for">([^<]*)<', response.content.decode())
    assert match, "the page says who must act next"
    return match[1]


def test_the_owner_who_cannot_act_yet_reads_whom_the_step_waits_for(role_user, client_for):
    record = JobFactory(state="rejected")
    owner = client_for(record.requester)

    assert waiting_line(owner.get(record.get_absolute_url())) == (
        "Waiting for: Quality department, Sample room."
    )
    sign(record, role_user("qa"), "qa")
    sign(record, role_user("sample_room"), "sample_room")
    assert waiting_line(owner.get(record.get_absolute_url())) == "Waiting for: you."


def test_a_signer_reads_that_the_step_waits_for_their_signature_and_the_others(
    role_user, client_for
):
    record = JobFactory(state="rejected")
    qa = role_user("qa")

    page = client_for(qa).get(record.get_absolute_url())

    assert waiting_line(page) == "Waiting for: your sign-off, Sample room."
    sign(record, qa, "qa")
    page = client_for(qa).get(record.get_absolute_url())
    assert waiting_line(page) == "Waiting for: Sample room."


def test_someone_else_reads_the_department_that_acts(role_user, client_for):
    record = JobFactory(state="planned")

    assert waiting_line(client_for(record.requester).get(record.get_absolute_url())) == (
        "Waiting for: Sample room."
    )
    room = client_for(role_user("sample_room")).get(record.get_absolute_url())
    assert waiting_line(room) == "Waiting for: you."


def test_waiting_on_is_built_on_waiting_roles(role_user):
    record = JobFactory(state="rejected")
    both = role_user("qa", "sample_room")

    assert texts(waiting_on(record, both)) == ["your sign-off"]
    assert waiting_on(JobFactory(state="accepted"), both) == []


# --- Pages of each part, in a fixed number of queries -----------------------------------


def test_the_inbox_shows_the_most_urgent_page_across_processes(role_user, client_for):
    user = role_user("sales_assistant", "creative")
    # Interleaved deadlines, so that the page holds some of each.
    jobs = [JobFactory(step_due_at=timezone.now() + dt.timedelta(days=2 * i)) for i in range(20)]
    reviews = [
        ReviewFactory(step_due_at=timezone.now() + dt.timedelta(days=2 * i + 1)) for i in range(20)
    ]

    response = client_for(user).get(INBOX)

    rows = response.context["rows"]
    assert len(rows) == INBOX_PAGE
    due = [r.step_due_at for _s, r in rows]
    assert due == sorted(due)
    sections = {s.model: s for s in response.context["sections"]}
    assert (sections[Job].count, sections[Review].count) == (len(jobs), len(reviews))
    shown = {model: len(s.records) for model, s in sections.items() if model in (Job, Review)}
    assert sum(shown.values()) == INBOX_PAGE
    html = response.content.decode()
    assert all(shown.values())  # both processes have rows among the most urgent
    for model in (Job, Review):
        key = model._meta.label_lower
        assert (f'data-testid="more-{key}"' in html) == (shown[model] < 20)
        assert (f"the first {shown[model]} of 20 shown" in html) == (shown[model] < 20)


def crowd(requester: Any, n: int) -> None:
    """``n`` jobs to accept and ``n`` waiting for signatures, for one requester."""
    for _ in range(n):
        JobFactory(state="delivered", requester=requester)
        JobFactory(state="rejected", requester=requester)


@pytest.mark.parametrize("n", [3, INBOX_PAGE + 5])
def test_the_inbox_makes_the_same_queries_at_any_size(n, client_for, django_assert_max_num_queries):
    requester = UserFactory(roles=["sales"])
    crowd(requester, n)
    client = client_for(requester)
    client.get(INBOX)  # sessions, content types

    # Session, user, rights (3), then per process a fixed number: its to-do
    # page and count, its waiting page, their signatures and count; the
    # escalations and the bell. (Orders, their shipping notices and invoices,
    # processes of the salesperson's too, add their to-do pages; quotations
    # their to-do page and count; customer returns and customer-supplied
    # items their to-do pages; complaints and their actions their to-do
    # pages, and complaints their waiting page; the satisfaction survey's
    # improvement actions their to-do page.)
    with django_assert_max_num_queries(26):
        response = client.get(INBOX)

    (section,) = [s for s in response.context["sections"] if s.model is Job]
    assert (section.count, section.waiting_count) == (n, n)
    assert len(response.context["rows"]) == min(n, INBOX_PAGE)
    assert len(response.context["waiting"]) == min(n, INBOX_PAGE)
    html = response.content.decode()
    assert ('data-testid="more-testflows.job"' in html) == (n > INBOX_PAGE)
    assert ('data-testid="more-waiting-testflows.job"' in html) == (n > INBOX_PAGE)


@pytest.mark.parametrize("part", ["todo", "waiting"])
def test_each_part_of_a_process_has_pages_of_its_own(
    part, client_for, django_assert_max_num_queries
):
    requester = UserFactory(roles=["sales"])
    crowd(requester, INBOX_PAGE + 5)
    client = client_for(requester)
    client.get(INBOX)
    shown = "rows" if part == "todo" else "waiting"
    url = f"{INBOX}?process=testflows.job&part={part}"

    # With the orders', quotations', returns', supplies', complaints' and
    # improvement actions' parts, as above.
    with django_assert_max_num_queries(28):
        first = client.get(url)
    second = client.get(f"{url}&page=2")

    refs = [r.reference for _s, r in first.context[shown]]
    rest = [r.reference for _s, r in second.context[shown]]
    assert len(refs) == INBOX_PAGE and len(rest) == 5
    assert not set(refs) & set(rest)
    assert second.context["page_obj"].number == 2
    assert "Page 2 of 2" in second.content.decode()


def escalate(manager: Any, records: list[Job]) -> None:
    ct = ContentType.objects.get_for_model(Job)
    now = timezone.now()
    Escalation.objects.bulk_create(
        Escalation(
            content_type=ct,
            object_id=r.pk,
            step_seq=r.step_seq,
            role="sample_room",
            manager=manager,
            due_at=now - dt.timedelta(days=3, minutes=i),
        )
        for i, r in enumerate(records)
    )


@pytest.mark.parametrize("n", [3, 60])
def test_the_managers_escalations_take_the_same_queries_at_any_size(
    n, client_for, django_assert_max_num_queries
):
    manager = UserFactory(roles=["marketing_manager"])
    requesters = UserFactory.create_batch(3, roles=["sales"])
    escalate(manager, [JobFactory(state="planned", requester=requesters[i % 3]) for i in range(n)])
    client = client_for(manager)
    client.get(INBOX)

    # The manager approves orders, customer-supplied items and contract changes
    # and takes steps of research plans and tasks, promotion plans, satisfaction
    # surveys and their improvement actions too: its to-do part is one query
    # more for each of those processes, and one for the research plans that
    # wait on others.
    with django_assert_max_num_queries(20):
        response = client.get(INBOX)
    with django_assert_max_num_queries(20):
        everything = client.get(f"{INBOX}?part=escalated&page=2")

    escalations = response.context["escalations"]
    assert len(escalations) == min(n, INBOX_PAGE)
    assert response.context["escalation_count"] == n
    html = response.content.decode()
    first = escalations[0].record
    assert first.subject in row_of(html, first)  # the subject reads the requester
    assert ('data-testid="more-escalated"' in html) == (n > INBOX_PAGE)
    second_page = n if n <= INBOX_PAGE else min(n - INBOX_PAGE, INBOX_PAGE)
    assert len(everything.context["escalations"]) == second_page
